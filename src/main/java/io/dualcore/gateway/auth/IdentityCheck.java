package io.dualcore.gateway.auth;

/**
 * A check every verified identity passes after its token's verification, in every mode and on verified-token cache
 * hits too: what can change after a token was issued (a revocation, a proof of possession). The checks run in the
 * order {@link TokenAuthenticator} was given; each must be cheap when it has nothing to refuse, as it runs on every
 * authenticated request.
 */
@FunctionalInterface
public interface IdentityCheck {

    /**
     * Checks an identity just verified or served from the verified-token cache.
     *
     * @throws TokenRejectedException when the identity must be refused now (never remembered as a final rejection:
     *     the same token may pass again later)
     */
    void check(GatewayIdentity identity);
}
