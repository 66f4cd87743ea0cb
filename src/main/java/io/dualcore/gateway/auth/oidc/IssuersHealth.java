package io.dualcore.gateway.auth.oidc;

import io.dualcore.gateway.auth.ModeHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.util.Assert;

/**
 * What the OIDC mode can verify right now, per trusted issuer: keys loaded and fresh ({@code up}), known keys still
 * verifying while the IdP is unreachable ({@code stale}, with how long), or no keys at all. One realm's IdP
 * blinking makes the mode degraded, never down: edge traffic and other realms still work. So does an issuer's
 * UserInfo endpoint whose circuit breaker is open.
 */
final class IssuersHealth implements ModeHealth {

    /** The issuers of the configuration in force (a reload may add or remove some). */
    private final Supplier<List<OidcTokenVerifier>> verifiers;

    private final Clock clock;

    /** @param verifiers the OIDC verifiers in force, asked at each health check */
    IssuersHealth(Supplier<List<OidcTokenVerifier>> verifiers, Clock clock) {
        Assert.notNull(verifiers, "verifiers cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        this.verifiers = verifiers;
        this.clock = clock;
    }

    @Override
    public Report report() {
        boolean degraded = false;
        Map<String, Object> issuers = new LinkedHashMap<>();
        for (OidcTokenVerifier verifier : this.verifiers.get()) {
            JwksKeySource keys = verifier.keys();
            Map<String, Object> details = new LinkedHashMap<>();
            String state;
            if (!keys.loaded()) {
                state = keys.failureCount() > 0 ? "unavailable" : "pending";
                degraded |= keys.failureCount() > 0;
            } else if (keys.stale()) {
                state = "stale";
                degraded = true;
            } else {
                state = "up";
            }
            details.put("state", state);
            details.put("issuer", verifier.issuer());
            details.put("keys", keys.keyCount());
            Instant lastSuccess = keys.lastSuccessAt();
            if (lastSuccess != null) {
                details.put("lastLoaded", lastSuccess.toString());
                details.put(
                        "staleSeconds",
                        "stale".equals(state)
                                ? Duration.between(lastSuccess, this.clock.instant())
                                        .toSeconds()
                                : 0);
            }
            if (verifier.userInfo() != null) {
                // closed: calls made; open: UserInfo keeps failing and cache misses get the failure policy at once
                String userInfo = verifier.userInfo().breakerState();
                details.put("userinfo", userInfo);
                degraded |= "open".equals(userInfo);
            }
            issuers.put(verifier.name(), details);
        }
        // LinkedHashMap keeps the issuers in configuration order (Map.copyOf would not)
        return new Report(degraded, Map.of("issuers", Collections.unmodifiableMap(issuers)));
    }
}
