package io.dualcore.gateway.auth.dpop;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
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
 */
@ConfigurationProperties("dualcore.auth.dpop")
public record DpopProperties(
        @DefaultValue({"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256"})
        List<String> algorithms,

        @DefaultValue("60s") Duration proofLifetime,
        @DefaultValue("5s") Duration clockSkew,
        @DefaultValue("4096") int maxProofLength,
        String externalBaseUrl) {

    /** Defaults. */
    public static DpopProperties defaults() {
        return new DpopProperties(
                List.of("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256"),
                Duration.ofSeconds(60),
                Duration.ofSeconds(5),
                4096,
                null);
    }
}
