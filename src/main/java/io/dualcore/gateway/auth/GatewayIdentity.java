package io.dualcore.gateway.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * The verified identity behind a request: what downstream filters, policies and upstream headers rely on.
 *
 * @param mode how the token was verified
 * @param issuer the token's {@code iss}
 * @param realm the trusted issuer's configured name (the Keycloak realm, or the edge key ring)
 * @param subject the token's {@code sub}
 * @param clientId the OAuth client ({@code azp}) for OIDC tokens, else {@code null}
 * @param roles realm roles, and client roles as {@code client:role}
 * @param scopes the token's scopes
 * @param deviceId the edge device or service ({@code device_id}, else {@code sub}) for edge tokens
 * @param keyId the {@code kid} of the key that verified the signature
 * @param expiresAt the token's {@code exp}
 * @param claims every claim of the token
 */
public record GatewayIdentity(
        AuthenticationMode mode,
        String issuer,
        String realm,
        String subject,
        String clientId,
        Set<String> roles,
        Set<String> scopes,
        String deviceId,
        String keyId,
        Instant expiresAt,
        Map<String, Object> claims) {

    /** Exchange attribute under which the verified identity is stored. */
    public static final String ATTRIBUTE = GatewayIdentity.class.getName();

    public GatewayIdentity {
        Assert.notNull(mode, "mode cannot be null");
        Assert.hasText(issuer, "issuer cannot be empty");
        Assert.hasText(subject, "subject cannot be empty");
        Assert.notNull(expiresAt, "expiresAt cannot be null");
        roles = Set.copyOf(roles);
        scopes = Set.copyOf(scopes);
        claims = Map.copyOf(claims);
    }

    /** The identity verified for this exchange, or {@code null} when the request is anonymous. */
    public static GatewayIdentity from(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    @Override
    public String toString() {
        return "GatewayIdentity[mode=" + this.mode.value() + ", realm=" + this.realm + ", subject=" + this.subject
                + ", client=" + this.clientId + ", kid=" + this.keyId + "]";
    }
}
