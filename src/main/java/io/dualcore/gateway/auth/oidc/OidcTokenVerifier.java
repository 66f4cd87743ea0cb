package io.dualcore.gateway.auth.oidc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import io.dualcore.gateway.auth.ClaimChecks;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.web.ErrorCode;
import io.opentelemetry.context.Context;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Verifies access tokens of one trusted OIDC issuer (a Keycloak realm) against that issuer's JWKS only: asymmetric
 * algorithms from its allow-list, its audiences, its clients, Keycloak roles and scopes; then, when configured, the
 * Spring Security {@link OAuth2TokenValidator}s and authorities mapping of {@link JwtExtensions}.
 */
public final class OidcTokenVerifier implements TokenVerifier {

    private static final Set<JWSAlgorithm> ASYMMETRIC = Stream.of(
                    JWSAlgorithm.Family.RSA, JWSAlgorithm.Family.EC, JWSAlgorithm.Family.ED)
            .flatMap(Set::stream)
            .collect(Collectors.toUnmodifiableSet());

    private final AuthProperties.Issuer settings;

    private final JwksKeySource keys;

    private static final Log logger = LogFactory.getLog(OidcTokenVerifier.class);

    /** Spring's standard claim conversion (exp, iat, nbf to Instant; aud to a list; iss as text). */
    private static final MappedJwtClaimSetConverter CLAIMS = MappedJwtClaimSetConverter.withDefaults(Map.of());

    /** A validator's description goes into a response header and body: bounded. */
    private static final int MAX_DESCRIPTION = 256;

    private final Set<JWSAlgorithm> algorithms;

    private final Set<String> roleClients;

    private final Scheduler blockingScheduler;

    private final Clock clock;

    private final Duration clockSkew;

    private final DefaultJWSVerifierFactory verifierFactory = new DefaultJWSVerifierFactory();

    /**
     * Public keys by the JWK object they were converted from (weak keys: identity, and gone with the key set that
     * held them; a reloaded key set brings new objects, so a key replaced under the same {@code kid} is converted
     * anew). Converting costs a Base64 decode of an RSA modulus and a {@code KeyFactory} look-up, a sixth of an
     * uncached verification otherwise.
     */
    private final Cache<JWK, Key> publicKeys = Caffeine.newBuilder()
            .weakKeys()
            .maximumSize(256)
            .executor(Runnable::run)
            .build();

    private final JwtExtensions extensions;

    private final UserInfoEnricher userInfo;

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
        this(settings, keys, blockingScheduler, clock, clockSkew, JwtExtensions.none());
    }

    /**
     * @param settings the issuer's configuration
     * @param keys the issuer's JWKS
     * @param blockingScheduler where key look-ups that may fetch run, off the event loop
     * @param extensions Spring Security validators and authorities mapping applied after the gateway's own checks
     */
    public OidcTokenVerifier(
            AuthProperties.Issuer settings,
            JwksKeySource keys,
            Scheduler blockingScheduler,
            Clock clock,
            Duration clockSkew,
            JwtExtensions extensions) {
        this(settings, keys, blockingScheduler, clock, clockSkew, extensions, null);
    }

    /**
     * @param settings the issuer's configuration
     * @param keys the issuer's JWKS
     * @param blockingScheduler where key look-ups that may fetch run, off the event loop
     * @param extensions Spring Security validators and authorities mapping applied after the gateway's own checks
     * @param userInfo completes identities from the issuer's UserInfo endpoint, or {@code null}
     */
    public OidcTokenVerifier(
            AuthProperties.Issuer settings,
            JwksKeySource keys,
            Scheduler blockingScheduler,
            Clock clock,
            Duration clockSkew,
            JwtExtensions extensions,
            UserInfoEnricher userInfo) {
        this(settings, keys, blockingScheduler, clock, clockSkew, extensions, userInfo, SignatureProvider.jdk());
    }

    /**
     * @param settings the issuer's configuration
     * @param keys the issuer's JWKS
     * @param blockingScheduler where key look-ups that may fetch run, off the event loop
     * @param extensions Spring Security validators and authorities mapping applied after the gateway's own checks
     * @param userInfo completes identities from the issuer's UserInfo endpoint, or {@code null}
     * @param signatureProvider the JCA provider that verifies the RSA and EC signatures
     */
    public OidcTokenVerifier(
            AuthProperties.Issuer settings,
            JwksKeySource keys,
            Scheduler blockingScheduler,
            Clock clock,
            Duration clockSkew,
            JwtExtensions extensions,
            UserInfoEnricher userInfo,
            SignatureProvider signatureProvider) {
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(signatureProvider, "signatureProvider cannot be null");
        signatureProvider.applyTo(this.verifierFactory.getJCAContext());
        Assert.notNull(keys, "keys cannot be null");
        Assert.notNull(blockingScheduler, "blockingScheduler cannot be null");
        Assert.notNull(extensions, "extensions cannot be null");
        this.extensions = extensions;
        this.userInfo = userInfo;
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

    /** The UserInfo enrichment of this issuer, or {@code null} when it is off. */
    public UserInfoEnricher userInfo() {
        return this.userInfo;
    }

    /** The Spring Security validators and authorities mapping this issuer applies ({@link JwtExtensions#none()}). */
    public JwtExtensions extensions() {
        return this.extensions;
    }

    @Override
    public Mono<GatewayIdentity> verify(ParsedToken token) {
        try {
            checkHeader(token);
        } catch (TokenRejectedException ex) {
            return Mono.error(ex);
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
                })
                .flatMap(identity -> (this.userInfo != null)
                        ? this.userInfo.enrich(token.serialized(), identity)
                        : Mono.just(identity));
    }

    /**
     * Verifies the signature of another token of this issuer (a back-channel logout token) with this issuer's keys
     * and allowed algorithms only, fetching the key set off the event loop when the key is not loaded yet. No claim
     * is checked: the caller validates its own kind of token.
     *
     * @return the token, or an error signal carrying a {@link TokenRejectedException}
     */
    public Mono<ParsedToken> verifySignature(ParsedToken token) {
        try {
            checkHeader(token);
        } catch (TokenRejectedException ex) {
            return Mono.error(ex);
        }
        JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(token.header()));
        return Mono.fromCallable(() -> cachedKeys(selector))
                .subscribeOn(this.blockingScheduler)
                .flatMap(candidates ->
                        candidates.isEmpty() ? refreshedKeys(selector, Context.current()) : Mono.just(candidates))
                .map(candidates -> {
                    checkSignature(token, candidates.get(0));
                    return token;
                });
    }

    /**
     * Verifies on the calling thread when the token's key is in the key set already loaded (and not older than the
     * cache TTL plus the outage tolerance): the signature check is all it costs. A key not yet seen needs a fetch,
     * and {@code null} sends the caller to {@link #verify}, which fetches off the event loop. So does UserInfo
     * enrichment: with it on, every verification (a cache miss) goes to {@link #verify}.
     */
    @Override
    public GatewayIdentity verifyInline(ParsedToken token) {
        checkHeader(token);
        if (this.userInfo != null) {
            return null;
        }
        List<JWK> candidates = this.keys.cachedKeys(new JWKSelector(JWKMatcher.forJWSHeader(token.header())));
        if (candidates == null || candidates.isEmpty()) {
            return null;
        }
        checkSignature(token, candidates.get(0));
        return toIdentity(token);
    }

    private void checkHeader(ParsedToken token) {
        JWSAlgorithm algorithm = token.algorithm();
        if (!this.algorithms.contains(algorithm)) {
            throw new TokenRejectedException(
                    ErrorCode.ALGORITHM_NOT_ALLOWED,
                    "The algorithm " + algorithm.getName() + " is not allowed for this issuer");
        }
        if (token.keyId() == null) {
            throw new TokenRejectedException(ErrorCode.UNKNOWN_KEY, "The token has no kid header");
        }
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
            Key key = this.publicKeys.getIfPresent(jwk);
            if (key == null) {
                key = asymmetric.toPublicKey();
                this.publicKeys.put(jwk, key);
            }
            JWSVerifier verifier = this.verifierFactory.createJWSVerifier(token.header(), key);
            if (!token.verify(verifier)) {
                throw new TokenRejectedException(ErrorCode.INVALID_SIGNATURE, "The token signature is invalid");
            }
        } catch (JOSEException | IllegalStateException ex) {
            throw new TokenRejectedException(ErrorCode.INVALID_SIGNATURE, "The token signature is invalid");
        }
    }

    /**
     * Keycloak types a DPoP-bound access token {@code typ: DPoP}: accepted as an access token when this issuer has
     * DPoP on and the token carries its binding ({@code cnf.jkt}), whose proof the DPoP step then requires.
     */
    private boolean dpopBound(String type, JWTClaimsSet claims) {
        return this.settings.dpop() != DpopMode.OFF
                && "DPoP".equalsIgnoreCase(type)
                && claims.getClaim("cnf") instanceof Map<?, ?> cnf
                && cnf.get("jkt") instanceof String;
    }

    private GatewayIdentity toIdentity(ParsedToken token) {
        JWTClaimsSet claims = token.claims();
        Instant expiresAt = ClaimChecks.checkTimes(claims, this.clock.instant(), this.clockSkew, false);
        // the type first: an ID token's aud is its client, and "wrong token type" is the useful answer
        String type = ClaimChecks.optionalString(claims, "typ");
        if (type != null && !type.equalsIgnoreCase(this.settings.tokenType()) && !dpopBound(type, claims)) {
            throw new TokenRejectedException(
                    ErrorCode.WRONG_TOKEN_TYPE,
                    "Only access tokens are accepted as bearer tokens (typ " + this.settings.tokenType() + ")");
        }
        ClaimChecks.checkAudience(claims, this.settings.audiences());
        String subject = token.subject();
        String client = ClaimChecks.optionalString(claims, "azp");
        if (client == null) {
            client = ClaimChecks.optionalString(claims, "client_id");
        }
        if (!this.settings.authorizedParties().isEmpty()
                && (client == null || !this.settings.authorizedParties().contains(client))) {
            throw new TokenRejectedException(ErrorCode.CLIENT_NOT_ALLOWED, "The token's client (azp) is not allowed");
        }
        Set<String> roles;
        if (this.extensions.isEmpty()) {
            roles = KeycloakClaims.roles(claims, this.roleClients);
        } else {
            Jwt jwt = toJwt(token);
            validate(jwt);
            roles = (this.extensions.authorities() != null)
                    ? authorityRoles(jwt)
                    : KeycloakClaims.roles(claims, this.roleClients);
        }
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                token.issuer(),
                this.settings.name(),
                subject,
                client,
                roles,
                KeycloakClaims.scopes(claims),
                null,
                token.keyId(),
                expiresAt,
                claims.getClaims());
    }

    /** The verified token as Spring Security sees it, claims converted as {@code NimbusJwtDecoder} would. */
    private static Jwt toJwt(ParsedToken token) {
        try {
            Map<String, Object> claims = CLAIMS.convert(token.claims().getClaims());
            return Jwt.withTokenValue(token.serialized())
                    .headers(headers -> headers.putAll(token.header().toJSONObject()))
                    .claims(values -> values.putAll(claims))
                    .build();
        } catch (RuntimeException ex) {
            // a claim Spring cannot convert (e.g. a non-numeric exp was already refused; an odd aud): fail closed
            throw new TokenRejectedException(
                    ErrorCode.TOKEN_REJECTED_BY_VALIDATOR, "The token's claims cannot be validated");
        }
    }

    private void validate(Jwt jwt) {
        OAuth2TokenValidator<Jwt> validator = this.extensions.validator();
        if (validator == null) {
            return;
        }
        OAuth2TokenValidatorResult result;
        try {
            result = validator.validate(jwt);
        } catch (RuntimeException ex) {
            // a validator that breaks refuses the token: fail closed, without the token in the log
            logger.warn("A token validator of issuer " + this.settings.name() + " failed with "
                    + ex.getClass().getName());
            throw new TokenRejectedException(ErrorCode.TOKEN_REJECTED_BY_VALIDATOR, "The token could not be validated");
        }
        if (result != null && result.hasErrors()) {
            throw new TokenRejectedException(ErrorCode.TOKEN_REJECTED_BY_VALIDATOR, describe(result.getErrors()));
        }
    }

    private static String describe(Collection<OAuth2Error> errors) {
        String description = errors.stream()
                .map(error ->
                        StringUtils.hasText(error.getDescription()) ? error.getDescription() : error.getErrorCode())
                .filter(StringUtils::hasText)
                .distinct()
                .collect(Collectors.joining("; "));
        if (description.isEmpty()) {
            return "The token was rejected by a validator";
        }
        return description.length() > MAX_DESCRIPTION ? description.substring(0, MAX_DESCRIPTION) : description;
    }

    private Set<String> authorityRoles(Jwt jwt) {
        Collection<GrantedAuthority> authorities;
        try {
            authorities = this.extensions.authorities().convert(jwt);
        } catch (RuntimeException ex) {
            logger.warn("The authorities converter of issuer " + this.settings.name() + " failed with "
                    + ex.getClass().getName());
            throw new TokenRejectedException(
                    ErrorCode.TOKEN_REJECTED_BY_VALIDATOR, "The token's authorities could not be mapped");
        }
        Set<String> roles = new LinkedHashSet<>();
        if (authorities != null) {
            for (GrantedAuthority authority : authorities) {
                if (authority != null && StringUtils.hasText(authority.getAuthority())) {
                    roles.add(authority.getAuthority());
                }
            }
        }
        return roles;
    }

    /**
     * An identity that should carry UserInfo claims but was served without them ({@code failure-policy: continue})
     * stays cached for {@code userinfo.degraded-cache-ttl} only, so the claims appear once UserInfo is back.
     */
    @Override
    public Instant cacheUntil(GatewayIdentity identity) {
        if (this.userInfo != null && identity.userInfo() == null) {
            Duration ttl = this.settings.userinfo().degradedCacheTtl();
            return (ttl.isZero() || ttl.isNegative())
                    ? null
                    : this.clock.instant().plus(ttl);
        }
        return identity.expiresAt();
    }

    @Override
    public boolean stillTrusts(GatewayIdentity identity) {
        return this.keys.publishes(identity.keyId());
    }

    /** The keys the JWKS publishes under the kid (the same list object while they are unchanged). */
    @Override
    public Object currentKey(String kid) {
        return this.keys.publishedKeys(kid);
    }

    @Override
    public boolean holdsKey(String kid, Object key) {
        List<JWK> current = this.keys.publishedKeys(kid);
        return current == key || (current != null && current.equals(key));
    }

    @Override
    public String toString() {
        return "OidcTokenVerifier[" + this.settings.name() + " " + this.settings.issuerUri() + "]";
    }
}
