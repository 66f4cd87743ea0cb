package io.dualcore.gateway.auth.oidc;

import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifierChain;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.util.Assert;

/**
 * The per-issuer JWKS and UserInfo meters of the issuers of the configuration in force: {@code dualcore.jwks.fetches},
 * {@code dualcore.jwks.keys}, {@code dualcore.jwks.age} and {@code dualcore.userinfo.calls}, tagged {@code issuer}.
 * {@link #bind()} follows the verifier chain: a realm added live gets its series, a removed one's are removed, and a
 * changed one's read its new verifier (its counters start again from zero, which Prometheus reads as a reset).
 */
public final class IssuerMeters {

    private final MeterRegistry registry;

    private final Supplier<VerifierChain> chain;

    private final Clock clock;

    /** The meters of each verifier in force. */
    private final Map<OidcTokenVerifier, List<Meter>> bound = new IdentityHashMap<>();

    /** Registers the meters of the chain in force now. */
    public IssuerMeters(MeterRegistry registry, Supplier<VerifierChain> chain, Clock clock) {
        Assert.notNull(registry, "registry cannot be null");
        Assert.notNull(chain, "chain cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        this.registry = registry;
        this.chain = chain;
        this.clock = clock;
        bind();
    }

    /** Follows the chain now in force (called after each applied configuration). */
    public synchronized void bind() {
        VerifierChain now = this.chain.get();
        Set<OidcTokenVerifier> inForce = Collections.newSetFromMap(new IdentityHashMap<>());
        if (now != null) {
            for (TokenVerifier verifier : now.verifiers()) {
                if (verifier instanceof OidcTokenVerifier oidc) {
                    inForce.add(oidc);
                }
            }
        }
        // the dropped first: a changed issuer's new verifier registers series of the same name and tags
        for (Iterator<Map.Entry<OidcTokenVerifier, List<Meter>>> it =
                        this.bound.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<OidcTokenVerifier, List<Meter>> entry = it.next();
            if (!inForce.contains(entry.getKey())) {
                entry.getValue().forEach(this.registry::remove);
                it.remove();
            }
        }
        for (OidcTokenVerifier verifier : inForce) {
            if (!this.bound.containsKey(verifier)) {
                this.bound.put(verifier, register(verifier));
            }
        }
    }

    private List<Meter> register(OidcTokenVerifier verifier) {
        List<Meter> meters = new ArrayList<>();
        var keys = verifier.keys();
        meters.add(FunctionCounter.builder("dualcore.jwks.fetches", keys, k -> k.fetchCount() - k.failureCount())
                .tags("issuer", verifier.name(), "result", "success")
                .description("JWKS fetches from the issuer")
                .register(this.registry));
        meters.add(FunctionCounter.builder("dualcore.jwks.fetches", keys, k -> k.failureCount())
                .tags("issuer", verifier.name(), "result", "failure")
                .register(this.registry));
        meters.add(Gauge.builder("dualcore.jwks.keys", keys, k -> k.keyCount())
                .tag("issuer", verifier.name())
                .description("Keys in the issuer's current key set")
                .register(this.registry));
        meters.add(Gauge.builder("dualcore.jwks.age", keys, k -> age(k.lastSuccessAt(), this.clock))
                .tag("issuer", verifier.name())
                .baseUnit("seconds")
                .description("Time since the issuer last served its key set (NaN: never)")
                .register(this.registry));
        var userInfo = verifier.userInfo();
        if (userInfo != null) {
            meters.add(FunctionCounter.builder("dualcore.userinfo.calls", userInfo, u -> u.successes())
                    .tags("issuer", verifier.name(), "result", "success")
                    .description("UserInfo calls to the issuer (one per verified-token cache miss)")
                    .register(this.registry));
            meters.add(FunctionCounter.builder("dualcore.userinfo.calls", userInfo, u -> u.failures())
                    .tags("issuer", verifier.name(), "result", "failure")
                    .register(this.registry));
            meters.add(FunctionCounter.builder("dualcore.userinfo.calls", userInfo, u -> u.skipped())
                    .tags("issuer", verifier.name(), "result", "skipped")
                    .register(this.registry));
        }
        return meters;
    }

    private static double age(Instant since, Clock clock) {
        return (since == null)
                ? Double.NaN
                : Duration.between(since, clock.instant()).toMillis() / 1000.0;
    }
}
