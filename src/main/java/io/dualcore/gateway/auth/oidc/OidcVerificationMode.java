package io.dualcore.gateway.auth.oidc;

import io.dualcore.gateway.auth.AccessRule;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.ModeHealth;
import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Access tokens of trusted OpenID Connect issuers (Keycloak realms), verified locally ({@link OidcTokenVerifier})
 * or by introspection. Its callers are counted per issuer and subject; a route may narrow it to some issuers.
 */
public final class OidcVerificationMode implements VerificationMode {

    /** The only place this mode's name is spelled. */
    public static final Mode MODE =
            Mode.define("oidc", identity -> identity.issuer() + "|" + identity.subject(), false);

    static final String ISSUERS = "issuers";

    private final ModeHealth health;

    /** The mode without health (the CLI, tests): it has no issuers in force to report on. */
    public OidcVerificationMode() {
        this.health = null;
    }

    /**
     * @param issuers the OIDC verifiers in force, asked at each health check (a reload may add or remove issuers)
     * @param clock for how long an issuer's keys have been stale
     */
    public OidcVerificationMode(Supplier<List<OidcTokenVerifier>> issuers, Clock clock) {
        this.health = new IssuersHealth(issuers, clock);
    }

    @Override
    public Mode mode() {
        return MODE;
    }

    @Override
    public List<String> accessProperties() {
        return List.of(ISSUERS);
    }

    @Override
    public AccessRule accessRule(String where, Function<String, List<String>> lists) {
        Set<String> issuers = AccessRule.nonBlank(where + "." + ISSUERS, lists.apply(ISSUERS));
        if (issuers.isEmpty()) {
            return AccessRule.NONE;
        }
        AccessRule.Refusal refusal =
                new AccessRule.Refusal(ErrorCode.ISSUER_NOT_ALLOWED, "This route does not accept tokens of this realm");
        return identity -> (issuers.contains(identity.realm()) || issuers.contains(identity.issuer())) ? null : refusal;
    }

    /** An issuer with {@code introspection} settings introspects its tokens (JWT or opaque). */
    @Override
    public boolean introspectable() {
        return true;
    }

    /** Per trusted issuer: its JWKS loaded, fresh or stale, and its UserInfo breaker ({@link IssuersHealth}). */
    @Override
    public Optional<ModeHealth> health() {
        return Optional.ofNullable(this.health);
    }

    @Override
    public String toString() {
        return MODE.name();
    }
}
