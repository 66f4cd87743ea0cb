package io.dualcore.gateway.auth;

import java.time.Instant;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Verifies the tokens of one trust domain: a Keycloak realm, or the edge key ring. A verifier claims a token by
 * its issuer before any signature is checked, and a claimed token is verified by that verifier only.
 */
public interface TokenVerifier {

    /** The {@code iss} this verifier claims. Issuers are unique across the chain. */
    String issuer();

    /** Short name for errors, metrics and the identity's realm. */
    String name();

    /**
     * Verifies a token this verifier claimed. Errors are {@link TokenRejectedException}s.
     *
     * @return the verified identity
     */
    Mono<GatewayIdentity> verify(ParsedToken token);

    /**
     * Verifies a token this verifier claimed without any I/O, when it can: on the calling thread, so a token whose
     * key is already known costs its cryptography and nothing else.
     *
     * @return the verified identity, or {@code null} when verification needs I/O (then call {@link #verify})
     * @throws TokenRejectedException when the token is refused
     */
    default GatewayIdentity verifyInline(ParsedToken token) {
        return null;
    }

    /**
     * Whether an identity this verifier produced earlier may still be served from the verified-token cache: its
     * key is still published (OIDC) or still inside its validity window (edge).
     */
    boolean stillTrusts(GatewayIdentity identity);

    /**
     * The key this verifier holds now under a {@code kid}, as an opaque value, or {@code null} when it holds none. The
     * verified-token cache takes it before a verification and keeps the verdict (accepted or refused) only while
     * {@link #holdsKey} answers that the same key material is still held under that kid, so that a key replaced
     * under the same kid never answers for the key it replaced.
     */
    default Object currentKey(String kid) {
        return null;
    }

    /**
     * Whether this verifier still holds, under {@code kid}, the key material of {@code key} (a value of
     * {@link #currentKey}). Called on every cache hit: cheap, no I/O.
     */
    default boolean holdsKey(String kid, Object key) {
        return Objects.equals(currentKey(kid), key);
    }

    /** Whether identities of this verifier may be cached (not for one-time tokens). */
    default boolean cacheable() {
        return true;
    }

    /**
     * Until when an identity this verifier just produced may be served from the verified-token cache (never beyond
     * its {@code exp}, whatever this answers).
     *
     * @return the instant, or {@code null} when this identity must not be cached at all
     */
    default Instant cacheUntil(GatewayIdentity identity) {
        return identity.expiresAt();
    }
}
