package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.ClaimChecks;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.web.ErrorCode;
import io.opentelemetry.context.Context;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Verifies access tokens of one trusted OIDC issuer (a Keycloak realm) against that issuer's JWKS only: asymmetric
 * algorithms from its allow-list, its audiences, its clients, Keycloak roles and scopes.
 */
public final class OidcTokenVerifier implements TokenVerifier {

    private static final Set<JWSAlgorithm> ASYMMETRIC = Stream.of(
                    JWSAlgorithm.Family.RSA, JWSAlgorithm.Family.EC, JWSAlgorithm.Family.ED)
            .flatMap(Set::stream)
            .collect(Collectors.toUnmodifiableSet());

    private final AuthProperties.Issuer settings;

    private final JwksKeySource keys;

    private final Set<JWSAlgorithm> algorithms;

    private final Set<String> roleClients;

    private final Scheduler blockingScheduler;

    private final Clock clock;

    private final Duration clockSkew;

    private final DefaultJWSVerifierFactory verifierFactory = new DefaultJWSVerifierFactory();

    /**
     * @param settings the issuer's configuration
     * @param keys the issuer's JWKS
     * @param blockingScheduler where key look-ups that may fetch run, off the event loop
     */
    public OidcTokenVerifier(
            AuthProperties.Issuer settings,
            JwksKeySource keys,
            Scheduler blockingScheduler,
            Clock clock,
            Duration clockSkew) {
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(keys, "keys cannot be null");
        Assert.notNull(blockingScheduler, "blockingScheduler cannot be null");
        this.settings = settings;
        this.keys = keys;
        this.blockingScheduler = blockingScheduler;
        this.clock = clock;
        this.clockSkew = clockSkew;
        this.algorithms = Set.copyOf(settings.algorithms().stream()
                .map(JWSAlgorithm::parse)
                .peek(alg -> Assert.isTrue(
                        ASYMMETRIC.contains(alg),
                        () -> "dualcore.auth.oidc.issuers[" + settings.name() + "].algorithms: " + alg
                                + " is not an asymmetric JWS algorithm; OIDC issuers accept RS*, PS*, ES* or EdDSA"))
                .toList());
        this.roleClients = Set.copyOf(settings.roleClients() != null ? settings.roleClients() : settings.audiences());
    }

    @Override
    public String issuer() {
        return this.settings.issuerUri();
    }

    @Override
    public String name() {
        return this.settings.name();
    }

    public AuthProperties.Issuer settings() {
        return this.settings;
    }

    public JwksKeySource keys() {
        return this.keys;
    }

    @Override
    public Mono<GatewayIdentity> verify(ParsedToken token) {
        JWSAlgorithm algorithm = token.algorithm();
        if (!this.algorithms.contains(algorithm)) {
            return Mono.error(new TokenRejectedException(
                    ErrorCode.ALGORITHM_NOT_ALLOWED,
                    "The algorithm " + algorithm.getName() + " is not allowed for this issuer"));
        }
        if (token.keyId() == null) {
            return Mono.error(new TokenRejectedException(ErrorCode.UNKNOWN_KEY, "The token has no kid header"));
        }
        JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(token.header()));
        // a JWKS look-up may fetch over HTTP: never on an event-loop thread; the caller's trace context goes along,
        // so a fetch becomes a child of the authentication span
        return Mono.deferContextual(view -> {
                    Context parent = view.getOrDefault(Context.class, Context.current());
                    return Mono.fromCallable(parent.wrap(() -> cachedKeys(selector)))
                            .subscribeOn(this.blockingScheduler)
                            // an unknown kid waits (without a thread, at most jwks.refresh-timeout) for the next
                            // refresh
                            .flatMap(candidates ->
                                    candidates.isEmpty() ? refreshedKeys(selector, parent) : Mono.just(candidates));
                })
                .map(candidates -> {
                    checkSignature(token, candidates.get(0));
                    return toIdentity(token);
                });
    }

    private List<JWK> cachedKeys(JWKSelector selector) {
        try {
            return this.keys.cached(selector);
        } catch (RateLimitReachedException ex) {
            // a load was tried a moment ago (and failed): wait for the next allowed one, as for an unknown kid
            return List.of();
        } catch (KeySourceException ex) {
            // no key set to look in: never loaded and the IdP unreachable
            throw issuerUnavailable();
        }
    }

    private Mono<List<JWK>> refreshedKeys(JWKSelector selector, Context parent) {
        return this.keys
                .refreshed(selector, parent)
                .onErrorMap(ex -> !(ex instanceof TokenRejectedException), ex -> issuerUnavailable())
                .filter(candidates -> !candidates.isEmpty())
                .switchIfEmpty(Mono.error(OidcTokenVerifier::unknownKey));
    }

    private static TokenRejectedException issuerUnavailable() {
        return new TokenRejectedException(
                ErrorCode.ISSUER_UNAVAILABLE, "The keys of the token issuer cannot be loaded right now");
    }

    private static TokenRejectedException unknownKey() {
        return new TokenRejectedException(ErrorCode.UNKNOWN_KEY, "The token was signed with an unknown key");
    }

    private void checkSignature(ParsedToken token, JWK jwk) {
        try {
            if (!(jwk instanceof AsymmetricJWK asymmetric)) {
                throw unknownKey();
            }
            Key key = asymmetric.toPublicKey();
            JWSVerifier verifier = this.verifierFactory.createJWSVerifier(token.header(), key);
            if (!token.jwt().verify(verifier)) {
                throw new TokenRejectedException(ErrorCode.INVALID_SIGNATURE, "The token signature is invalid");
            }
        } catch (JOSEException | IllegalStateException ex) {
            throw new TokenRejectedException(ErrorCode.INVALID_SIGNATURE, "The token signature is invalid");
        }
    }

    private GatewayIdentity toIdentity(ParsedToken token) {
        JWTClaimsSet claims = token.claims();
        Instant expiresAt = ClaimChecks.checkTimes(claims, this.clock.instant(), this.clockSkew, false);
        // the type first: an ID token's aud is its client, and "wrong token type" is the useful answer
        String type = ClaimChecks.optionalString(claims, "typ");
        if (type != null && !type.equalsIgnoreCase(this.settings.tokenType())) {
            throw new TokenRejectedException(
                    ErrorCode.WRONG_TOKEN_TYPE,
                    "Only access tokens are accepted as bearer tokens (typ " + this.settings.tokenType() + ")");
        }
        ClaimChecks.checkAudience(claims, this.settings.audiences());
        String subject = ClaimChecks.requireString(claims, "sub");
        String client = ClaimChecks.optionalString(claims, "azp");
        if (client == null) {
            client = ClaimChecks.optionalString(claims, "client_id");
        }
        if (!this.settings.authorizedParties().isEmpty()
                && (client == null || !this.settings.authorizedParties().contains(client))) {
            throw new TokenRejectedException(ErrorCode.CLIENT_NOT_ALLOWED, "The token's client (azp) is not allowed");
        }
        return new GatewayIdentity(
                AuthenticationMode.OIDC,
                token.issuer(),
                this.settings.name(),
                subject,
                client,
                KeycloakClaims.roles(claims, this.roleClients),
                KeycloakClaims.scopes(claims),
                null,
                token.keyId(),
                expiresAt,
                claims.getClaims());
    }

    @Override
    public boolean stillTrusts(GatewayIdentity identity) {
        return this.keys.publishes(identity.keyId());
    }

    @Override
    public String toString() {
        return "OidcTokenVerifier[" + this.settings.name() + " " + this.settings.issuerUri() + "]";
    }
}
