package io.dualcore.gateway.auth.dpop;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * DPoP proof verification (RFC 9449), shared by every issuer whose {@code dpop} mode is not {@code off}.
 *
 * @param algorithms the proof signature algorithms accepted (asymmetric only), announced in the {@code DPoP}
 *     challenge's {@code algs}
 * @param proofLifetime how long after its {@code iat} a proof is accepted (and its {@code jti} remembered)
 * @param clockSkew tolerance for a client clock ahead of or behind the gateway's
 * @param maxProofLength the longest {@code DPoP} header accepted, in characters
 * @param externalBaseUrl the scheme, host and port clients use to reach the gateway (e.g.
 *     {@code https://api.example.com}), which the proof's {@code htu} must name; when empty, the scheme of the
 *     gateway's own connection and the request's {@code Host} header are used ({@code X-Forwarded-*} is never
 *     trusted). Set it when the gateway runs behind another proxy or load balancer that terminates TLS.
 * @param nonce server-provided nonces (RFC 9449 §8): when enabled, every proof must carry a current nonce
 */
@ConfigurationProperties("dualcore.auth.dpop")
public record DpopProperties(
        @DefaultValue({"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256"})
        List<String> algorithms,

        @DefaultValue("60s") Duration proofLifetime,
        @DefaultValue("5s") Duration clockSkew,
        @DefaultValue("4096") int maxProofLength,
        String externalBaseUrl,
        @DefaultValue Nonce nonce) {

    @ConstructorBinding
    public DpopProperties {
        nonce = (nonce != null) ? nonce : Nonce.DISABLED;
    }

    /** Settings without server nonces. */
    public DpopProperties(
            List<String> algorithms,
            Duration proofLifetime,
            Duration clockSkew,
            int maxProofLength,
            String externalBaseUrl) {
        this(algorithms, proofLifetime, clockSkew, maxProofLength, externalBaseUrl, Nonce.DISABLED);
    }

    /** Defaults. */
    public static DpopProperties defaults() {
        return new DpopProperties(
                List.of("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256"),
                Duration.ofSeconds(60),
                Duration.ofSeconds(5),
                4096,
                null);
    }

    /** These settings with server nonces. */
    public DpopProperties withNonce(Nonce settings) {
        return new DpopProperties(
                this.algorithms,
                this.proofLifetime,
                this.clockSkew,
                this.maxProofLength,
                this.externalBaseUrl,
                settings);
    }

    /**
     * Server-provided DPoP nonces (RFC 9449 §8). A nonce is derived from the time window and a secret (an HMAC), so
     * gateways sharing the secret accept each other's nonces without shared state; the current and the previous
     * window's nonce are accepted. A proof without one gets 401 {@code use_dpop_nonce} with the nonce to use in the
     * {@code DPoP-Nonce} header.
     *
     * @param enabled whether proofs must carry a server nonce
     * @param secret base64 HMAC secret of at least 32 bytes shared by every gateway instance (from an env var or a
     *     file, never committed YAML); when empty, a random one per instance (one instance only: another instance
     *     would refuse its nonces)
     * @param rotation how long one nonce is current (it is accepted for up to twice that long)
     */
    public record Nonce(
            @DefaultValue("false") boolean enabled,
            String secret,
            @DefaultValue("5m") Duration rotation) {

        /** No server nonces. */
        public static final Nonce DISABLED = new Nonce(false, null, Duration.ofMinutes(5));

        @Override
        public String toString() {
            return "Nonce[enabled=" + this.enabled + ", secret=******, rotation=" + this.rotation + "]";
        }
    }
}
