package io.dualcore.gateway.auth.dpop;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.web.ErrorCode;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import reactor.core.publisher.Mono;

/**
 * The request-scoped DPoP step (RFC 9449 §7) that follows authentication, on verified-token cache hits too (the
 * cache keeps the token's identity, never a proof): by the issuer's {@link DpopMode}, a DPoP-bound token
 * ({@code cnf.jkt}) must come with the {@code DPoP} scheme and one valid proof whose key is the bound one and whose
 * {@code jti} is new; a bound token presented as {@code Bearer} is refused (§7.1); with {@code required}, unbound
 * tokens are refused. A request whose issuer has DPoP off does no work here.
 */
public final class DpopBinding {

    /** The request header carrying the proof. */
    public static final String HEADER = "DPoP";

    /** Exchange attribute holding the verified {@link DpopProof} of a DPoP request. */
    public static final String ATTRIBUTE = DpopProof.class.getName();

    private final Map<String, DpopMode> modesByIssuer;

    private final DpopProofVerifier verifier;

    private final ReplayGuard replayGuard;

    private final String externalBaseUrl;

    /** Whether some route uses DPoP: proofs are then verified whatever the issuer's mode, for the route to judge. */
    private final boolean routesUseDpop;

    /**
     * @param modesByIssuer the mode of each issuer ({@code iss}) that does not have DPoP off
     * @param externalBaseUrl the scheme, host and port clients reach the gateway at, or {@code null} to take them
     *     from the request
     */
    public DpopBinding(
            Map<String, DpopMode> modesByIssuer,
            DpopProofVerifier verifier,
            ReplayGuard replayGuard,
            String externalBaseUrl) {
        this(modesByIssuer, verifier, replayGuard, externalBaseUrl, false);
    }

    /**
     * @param modesByIssuer the mode of each issuer ({@code iss}) that does not have DPoP off
     * @param externalBaseUrl the scheme, host and port clients reach the gateway at, or {@code null} to take them
     *     from the request
     * @param routesUseDpop whether some route sets {@code dpop} (the {@code DPoP} scheme is then understood for every
     *     issuer, and {@link #routeRefusal} judges what the route needs)
     */
    public DpopBinding(
            Map<String, DpopMode> modesByIssuer,
            DpopProofVerifier verifier,
            ReplayGuard replayGuard,
            String externalBaseUrl,
            boolean routesUseDpop) {
        Assert.notNull(modesByIssuer, "modesByIssuer cannot be null");
        this.routesUseDpop = routesUseDpop;
        Assert.notNull(verifier, "verifier cannot be null");
        Assert.notNull(replayGuard, "replayGuard cannot be null");
        this.modesByIssuer = Map.copyOf(modesByIssuer);
        this.verifier = verifier;
        this.replayGuard = replayGuard;
        this.externalBaseUrl = StringUtils.hasText(externalBaseUrl) ? baseUrl(externalBaseUrl) : null;
    }

    /**
     * The same step with another replay guard: explain's, which records nothing (a proof explained is never taken
     * for used).
     */
    public DpopBinding withReplayGuard(ReplayGuard guard) {
        // the base URL is already normalized: normalizing it again gives it back
        return new DpopBinding(this.modesByIssuer, this.verifier, guard, this.externalBaseUrl, this.routesUseDpop);
    }

    /** Whether any issuer uses DPoP (the {@code DPoP} scheme is then understood). */
    public boolean enabled() {
        return !this.modesByIssuer.isEmpty() || this.routesUseDpop;
    }

    /** The nonce a proof must carry now (for the {@code DPoP-Nonce} header), or {@code null} when nonces are off. */
    public String currentNonce() {
        DpopNonces nonces = this.verifier.nonces();
        return (nonces != null) ? nonces.current() : null;
    }

    /** The issuer's own DPoP mode. */
    public DpopMode modeOf(String issuer) {
        return this.modesByIssuer.getOrDefault(issuer, DpopMode.OFF);
    }

    /**
     * What a route stricter than the issuer still requires (the issuer's mode was enforced at authentication): with
     * {@code allowed} or {@code required}, a bound token must have come with a verified proof; with {@code required},
     * every token.
     *
     * @param proven whether the request's proof was verified at authentication
     * @return the refusal, or {@code null} when the request passes
     */
    public TokenRejectedException routeRefusal(DpopMode routeMode, GatewayIdentity identity, boolean proven) {
        if (proven || routeMode == DpopMode.OFF || routeMode.compareTo(modeOf(identity.issuer())) <= 0) {
            return null;
        }
        if (boundKey(identity) != null) {
            return new TokenRejectedException(
                    ErrorCode.DPOP_BOUND_TOKEN, "A DPoP-bound token must be sent with the DPoP scheme");
        }
        if (routeMode == DpopMode.REQUIRED) {
            return new TokenRejectedException(
                    ErrorCode.DPOP_REQUIRED, "This route requires a DPoP-bound token sent with a proof");
        }
        return null;
    }

    /** The accepted proof algorithms, for the challenge. */
    public String algs() {
        return this.verifier.algs();
    }

    /**
     * Checks the request's proof of possession for an authenticated identity.
     *
     * @param dpopScheme whether the token came with the {@code DPoP} scheme (else {@code Bearer})
     * @return {@code null} when the request passes without further work, else the replay check to await (it fails
     *     with a {@link TokenRejectedException})
     * @throws TokenRejectedException when the request is refused
     */
    public Mono<DpopProof> check(
            ServerHttpRequest request, boolean dpopScheme, String token, GatewayIdentity identity) {
        DpopMode mode = this.modesByIssuer.get(identity.issuer());
        if (mode == null && this.routesUseDpop) {
            // the issuer has DPoP off: a Bearer token passes here (its route may refuse it), a DPoP one is verified
            if (!dpopScheme) {
                return null;
            }
            mode = DpopMode.ALLOWED;
        }
        if (mode == null) {
            if (dpopScheme) {
                throw new TokenRejectedException(
                        ErrorCode.INVALID_REQUEST, "The token's issuer does not accept the DPoP scheme");
            }
            return null;
        }
        String boundKey = boundKey(identity);
        if (!dpopScheme) {
            if (boundKey != null) {
                throw new TokenRejectedException(
                        ErrorCode.DPOP_BOUND_TOKEN, "A DPoP-bound token must be sent with the DPoP scheme");
            }
            if (mode == DpopMode.REQUIRED) {
                throw new TokenRejectedException(
                        ErrorCode.DPOP_REQUIRED, "This issuer's tokens must be DPoP-bound and sent with a proof");
            }
            return null;
        }
        if (boundKey == null) {
            throw new TokenRejectedException(ErrorCode.DPOP_KEY_MISMATCH, "The token is not DPoP-bound");
        }
        List<String> proofs = request.getHeaders().get(HEADER);
        if (proofs == null || proofs.isEmpty()) {
            throw new TokenRejectedException(ErrorCode.INVALID_DPOP_PROOF, "The request carries no DPoP proof");
        }
        if (proofs.size() > 1) {
            throw new TokenRejectedException(ErrorCode.INVALID_DPOP_PROOF, "The request carries several DPoP proofs");
        }
        DpopProof proof =
                this.verifier.verify(proofs.get(0), request.getMethod().name(), htu(request), token);
        if (!boundKey.equals(proof.thumbprint())) {
            throw new TokenRejectedException(
                    ErrorCode.DPOP_KEY_MISMATCH, "The DPoP proof's key is not the token's bound key");
        }
        return this.replayGuard
                .firstUse(
                        "dpop:" + proof.thumbprint(),
                        proof.jti(),
                        proof.issuedAt().plus(this.verifier.replayWindow()))
                .onErrorMap(
                        ex -> !(ex instanceof TokenRejectedException),
                        ex -> new TokenRejectedException(
                                ErrorCode.REPLAY_CHECK_UNAVAILABLE, "The DPoP replay check is unavailable"))
                .handle((first, sink) -> {
                    if (first) {
                        sink.next(proof);
                    } else {
                        sink.error(new TokenRejectedException(
                                ErrorCode.DPOP_PROOF_REPLAYED, "The DPoP proof was used before"));
                    }
                });
    }

    /** The request's canonical external URL without query and fragment, which {@code htu} must name. */
    String htu(ServerHttpRequest request) {
        URI uri = request.getURI();
        if (this.externalBaseUrl != null) {
            String path = uri.getRawPath();
            return this.externalBaseUrl + ((path == null || path.isEmpty()) ? "/" : path);
        }
        return DpopProofVerifier.canonical(uri.getScheme(), uri.getHost(), uri.getPort(), uri.getRawPath());
    }

    /** The token's {@code cnf.jkt}, or {@code null} when unbound; a {@code cnf} of another shape is refused. */
    static String boundKey(GatewayIdentity identity) {
        Object cnf = identity.claims().get("cnf");
        if (cnf == null) {
            return null;
        }
        if (cnf instanceof Map<?, ?> confirmation) {
            Object jkt = confirmation.get("jkt");
            if (jkt == null) {
                return null;
            }
            if (jkt instanceof String thumbprint && !thumbprint.isEmpty()) {
                return thumbprint;
            }
        }
        throw new TokenRejectedException(ErrorCode.INVALID_CLAIM, "The token's cnf claim is malformed");
    }

    private static String baseUrl(String url) {
        String canonical = DpopProofVerifier.normalized(url);
        Assert.isTrue(!canonical.isEmpty(), "dualcore.auth.dpop.external-base-url must be an absolute http(s) URL");
        // without the path's trailing slash: the request path is appended
        return canonical.endsWith("/") ? canonical.substring(0, canonical.length() - 1) : canonical;
    }
}
