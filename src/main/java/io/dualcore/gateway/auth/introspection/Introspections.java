package io.dualcore.gateway.auth.introspection;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.ClaimChecks;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.OpaqueTokenVerifier;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.oidc.KeycloakClaims;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

/**
 * Token introspection (RFC 7662) of the issuers that configure it: the opaque tokens of the one issuer that takes
 * them (an identity built from the introspection answer, with the same claim checks as a JWT of that issuer), and
 * the online check of JWTs already verified locally (on every route of an issuer with {@code always}, else on the
 * routes with {@code introspect: true}). When the endpoint cannot answer, the issuer's failure policy applies:
 * {@code deny} refuses with 503 {@code introspection_unavailable}; {@code allow-verified} lets a locally verified JWT
 * pass, never an opaque token.
 */
public final class Introspections implements OpaqueTokenVerifier {

    private final Map<String, TokenIntrospector> byIssuerUri;

    /** The introspector of opaque tokens, or {@code null} when no issuer takes them. */
    private final TokenIntrospector opaque;

    private final AuthProperties.Issuer opaqueIssuer;

    private final Clock clock;

    private final Duration clockSkew;

    /**
     * The identity built from each remembered answer (by the answer's identity, weakly: it goes when the answer leaves
     * the introspector's cache), so a reused opaque token costs a look-up, not a new identity.
     */
    private final Cache<Map<String, Object>, GatewayIdentity> identities =
            Caffeine.newBuilder().weakKeys().build();

    /**
     * @param introspectors the introspectors, one per issuer that configures introspection
     * @param issuers the issuers' settings, for the claim checks of opaque tokens
     */
    public Introspections(
            List<TokenIntrospector> introspectors,
            List<AuthProperties.Issuer> issuers,
            Clock clock,
            Duration clockSkew) {
        Assert.notNull(introspectors, "introspectors cannot be null");
        Map<String, TokenIntrospector> byIssuer = new LinkedHashMap<>();
        TokenIntrospector opaqueIntrospector = null;
        for (TokenIntrospector introspector : introspectors) {
            byIssuer.put(introspector.issuerUri(), introspector);
            if (introspector.settings().opaqueTokens()) {
                Assert.isNull(
                        opaqueIntrospector,
                        () -> "dualcore.auth.oidc.issuers[*].introspection.opaque-tokens is true for more than one"
                                + " issuer; an opaque token names no issuer: set it on one issuer only");
                opaqueIntrospector = introspector;
            }
        }
        this.byIssuerUri = Map.copyOf(byIssuer);
        this.opaque = opaqueIntrospector;
        TokenIntrospector opaqueOne = opaqueIntrospector;
        this.opaqueIssuer = (opaqueOne == null)
                ? null
                : issuers.stream()
                        .filter(issuer -> issuer.issuerUri().equals(opaqueOne.issuerUri()))
                        .findFirst()
                        .orElseThrow();
        this.clock = clock;
        this.clockSkew = clockSkew;
    }

    /** Whether an issuer takes opaque tokens. */
    public boolean acceptsOpaqueTokens() {
        return this.opaque != null;
    }

    /** Whether the JWTs of this issuer are introspected on every route. */
    public boolean always(String issuerUri) {
        TokenIntrospector introspector = this.byIssuerUri.get(issuerUri);
        return introspector != null && introspector.settings().always();
    }

    /** Whether this issuer can introspect at all (a route's {@code introspect: true} needs it). */
    public boolean introspects(String issuerUri) {
        return this.byIssuerUri.containsKey(issuerUri);
    }

    /** The introspectors, by issuer. */
    public Map<String, TokenIntrospector> introspectors() {
        return this.byIssuerUri;
    }

    @Override
    public GatewayIdentity cached(String token) {
        if (this.opaque == null) {
            return null;
        }
        Map<String, Object> answer = this.opaque.cached(token);
        return (answer != null) ? this.identities.get(answer, this::identity) : null;
    }

    @Override
    public Mono<GatewayIdentity> verify(String token) {
        if (this.opaque == null) {
            return Mono.error(new TokenRejectedException(
                    ErrorCode.MALFORMED_TOKEN, "The token is not a compact JWS (expected three parts)"));
        }
        return this.opaque
                .introspect(token)
                // an opaque token has nobody else to vouch for it: no answer is a refusal whatever the policy
                .onErrorMap(TokenIntrospector.Unavailable.class, ex -> unavailable())
                .map(answer -> this.identities.get(answer, this::identity));
    }

    /**
     * The online check of an identity verified locally from a JWT: empty when the issuer says the token is active
     * (or, with {@code allow-verified}, when it cannot say), else an error carrying a {@link TokenRejectedException}.
     * An identity whose issuer does not introspect is refused (fail closed: a route asked for the check).
     */
    public Mono<Void> check(String token, GatewayIdentity identity) {
        TokenIntrospector introspector = this.byIssuerUri.get(identity.issuer());
        if (introspector == null) {
            return Mono.error(new TokenRejectedException(
                    ErrorCode.INTROSPECTION_UNAVAILABLE,
                    "This route requires token introspection, which the token's issuer does not offer"));
        }
        boolean allowVerified =
                introspector.settings().failurePolicy() == AuthProperties.IntrospectionFailurePolicy.ALLOW_VERIFIED;
        Map<String, Object> cached = introspector.cached(token);
        if (cached != null) {
            return sameSubject(cached, identity) ? Mono.empty() : Mono.error(otherSubject());
        }
        return introspector
                .introspect(token)
                .flatMap(answer -> sameSubject(answer, identity) ? Mono.<Void>empty() : Mono.error(otherSubject()))
                .onErrorResume(
                        TokenIntrospector.Unavailable.class,
                        ex -> allowVerified ? Mono.empty() : Mono.error(unavailable()));
    }

    /** The answer, when it names a subject, must name the token's. */
    private static boolean sameSubject(Map<String, Object> answer, GatewayIdentity identity) {
        Object subject = answer.get("sub");
        return subject == null || identity.subject().equals(subject);
    }

    private static TokenRejectedException otherSubject() {
        return new TokenRejectedException(
                ErrorCode.TOKEN_INACTIVE, "The introspection answer is about another subject than the token's");
    }

    private static TokenRejectedException unavailable() {
        return new TokenRejectedException(
                ErrorCode.INTROSPECTION_UNAVAILABLE, "The token cannot be checked with its issuer right now");
    }

    /** An identity from an active answer, with the checks a JWT of the same issuer passes. */
    private GatewayIdentity identity(Map<String, Object> answer) {
        AuthProperties.Issuer issuer = this.opaqueIssuer;
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(answer);
        } catch (ParseException ex) {
            throw new TokenRejectedException(ErrorCode.INVALID_CLAIM, "The introspection answer has invalid claims");
        }
        Instant expiresAt = ClaimChecks.checkTimes(claims, this.clock.instant(), this.clockSkew, false);
        if (!issuer.audiences().isEmpty()) {
            ClaimChecks.checkAudience(claims, issuer.audiences());
        }
        if (!(answer.get("sub") instanceof String subject) || subject.isEmpty()) {
            throw ClaimChecks.missing("sub");
        }
        String client = ClaimChecks.optionalString(claims, "azp");
        if (client == null) {
            client = ClaimChecks.optionalString(claims, "client_id");
        }
        if (!issuer.authorizedParties().isEmpty()
                && (client == null || !issuer.authorizedParties().contains(client))) {
            throw new TokenRejectedException(ErrorCode.CLIENT_NOT_ALLOWED, "The token's client (azp) is not allowed");
        }
        List<String> roleClients = (issuer.roleClients() != null) ? issuer.roleClients() : issuer.audiences();
        Set<String> roles = KeycloakClaims.roles(claims, roleClients);
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                issuer.issuerUri(),
                issuer.name(),
                subject,
                client,
                roles,
                KeycloakClaims.scopes(claims),
                null,
                null,
                expiresAt,
                answer);
    }
}
