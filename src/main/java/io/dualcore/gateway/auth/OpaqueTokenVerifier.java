package io.dualcore.gateway.auth;

import reactor.core.publisher.Mono;

/**
 * Verifies tokens that are not a JWS (opaque tokens) by asking their issuer (RFC 7662 introspection). The
 * {@link TokenAuthenticator} hands it every token that is not shaped like a compact JWS or JWE; the identities it
 * builds then pass the same {@link IdentityCheck}s as every other.
 */
public interface OpaqueTokenVerifier {

    /**
     * The identity of an opaque token answered before and still remembered, or {@code null}. No I/O.
     *
     * @throws TokenRejectedException when the remembered answer cannot become an identity
     */
    GatewayIdentity cached(String token);

    /**
     * Asks the issuer.
     *
     * @return the identity, or an error carrying a {@link TokenRejectedException}
     */
    Mono<GatewayIdentity> verify(String token);
}
