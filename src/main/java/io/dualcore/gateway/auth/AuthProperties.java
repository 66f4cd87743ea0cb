package io.dualcore.gateway.auth;

import io.dualcore.gateway.auth.dpop.DpopMode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Authentication settings: trusted OIDC issuers, the edge HMAC key ring and the verified-token cache.
 *
 * @param oidc trusted OpenID Connect issuers (Keycloak realms), tried first
 * @param edge internal HMAC-signed edge tokens, tried after the OIDC issuers
 * @param cache the verified-token cache
 * @param maxTokenLength longest bearer token accepted, in characters
 * @param clockSkew tolerance applied to {@code exp}, {@code nbf} and {@code iat}
 */
@Validated
@ConfigurationProperties("dualcore.auth")
public record AuthProperties(
        @DefaultValue @Valid Oidc oidc,
        @DefaultValue Edge edge,
        @DefaultValue Cache cache,
        @DefaultValue("8192") int maxTokenLength,
        @DefaultValue("30s") Duration clockSkew) {

    /** @param issuers trusted issuers, in the order they are tried */
    public record Oidc(@DefaultValue List<@Valid Issuer> issuers) {}

    /**
     * One trusted OIDC issuer.
     *
     * @param name short name (the realm), reported in the identity and in metrics
     * @param issuerUri the exact {@code iss} value of its tokens
     * @param jwksUri the JWKS endpoint; when empty it is discovered from {@code metadataUri}
     * @param metadataUri where the discovery document is fetched; defaults to the issuer's
     *     {@code /.well-known/openid-configuration}
     * @param audiences accepted {@code aud} values (at least one must be present in the token)
     * @param algorithms allowed signature algorithms (asymmetric only)
     * @param authorizedParties when not empty, the only {@code azp} clients accepted
     * @param roleClients clients whose {@code resource_access} roles are mapped (as {@code client:role});
     *     defaults to the audiences
     * @param tokenType required value of the {@code typ} claim when the token carries one (Keycloak access
     *     tokens say {@code Bearer}, ID tokens {@code ID})
     * @param jwks JWKS fetching and caching
     * @param userinfo optional enrichment of the identity from the issuer's UserInfo endpoint
     * @param dpop DPoP sender-constraining of this issuer's tokens (RFC 9449): {@code off} (default),
     *     {@code allowed} (bound tokens need a proof, unbound Bearer tokens pass) or {@code required}
     * @param introspection token introspection at this issuer (RFC 7662): for opaque tokens, and as an online check of
     *     its JWTs on every route ({@code always}) or on the routes that ask for it ({@code introspect: true})
     */
    public record Issuer(
            @NotBlank(message = "is required: the realm's short name (e.g. realm-a)")
            String name,

            @NotBlank(message = "is required: the exact iss of the realm's tokens")
            String issuerUri,

            String jwksUri,
            String metadataUri,

            @DefaultValue
            @NotEmpty(message = "is empty; list the aud values this gateway accepts (e.g. dualcore-gateway)")
            List<String> audiences,

            @DefaultValue("RS256") List<String> algorithms,
            @DefaultValue List<String> authorizedParties,
            List<String> roleClients,
            @DefaultValue("Bearer") String tokenType,
            @DefaultValue Jwks jwks,
            @DefaultValue @Valid UserInfo userinfo,
            @DefaultValue("off") DpopMode dpop,
            @DefaultValue @Valid Introspection introspection) {

        @ConstructorBinding
        public Issuer {
            dpop = (dpop != null) ? dpop : DpopMode.OFF;
            introspection = (introspection != null) ? introspection : Introspection.DISABLED;
        }

        /** These settings with another DPoP mode. */
        public Issuer withDpop(DpopMode mode) {
            return new Issuer(
                    this.name,
                    this.issuerUri,
                    this.jwksUri,
                    this.metadataUri,
                    this.audiences,
                    this.algorithms,
                    this.authorizedParties,
                    this.roleClients,
                    this.tokenType,
                    this.jwks,
                    this.userinfo,
                    mode,
                    this.introspection);
        }

        /** These settings with other introspection settings. */
        public Issuer withIntrospection(Introspection settings) {
            return new Issuer(
                    this.name,
                    this.issuerUri,
                    this.jwksUri,
                    this.metadataUri,
                    this.audiences,
                    this.algorithms,
                    this.authorizedParties,
                    this.roleClients,
                    this.tokenType,
                    this.jwks,
                    this.userinfo,
                    this.dpop,
                    settings);
        }
    }

    /**
     * Token introspection (RFC 7662) at one issuer. The call is a POST of the token with the gateway's client
     * credentials (HTTP Basic), made without blocking a thread; an active answer is remembered for {@code cache-ttl}
     * (never beyond the token's {@code exp}) under a SHA-256 hash of the token, never the token itself.
     *
     * @param opaqueTokens whether tokens that are not a JWS are introspected here (at most one issuer may say so: an
     *     opaque token names no issuer); the identity is then built from the introspection answer
     * @param always whether every JWT of this issuer is introspected after its local verification, on every route
     *     (else only on routes with {@code introspect: true})
     * @param uri the introspection endpoint; when empty, the {@code introspection_endpoint} of the issuer's discovery
     *     document
     * @param clientId the client the gateway authenticates as at the introspection endpoint
     * @param clientSecret that client's secret (from an env var or a file, never committed YAML; never logged)
     * @param timeout longest wait for the introspection answer (and for discovery, when it has to run first)
     * @param cacheTtl how long an active answer is trusted without asking again: a revoked token is refused at most
     *     this long after its revocation; {@code 0} asks on every request
     * @param cacheSize most answers remembered
     * @param sizeLimit largest introspection or discovery answer accepted, in bytes
     * @param failurePolicy what a request gets when introspection is unavailable: {@code deny} (503
     *     {@code introspection_unavailable}, fail closed) or {@code allow-verified} (a JWT verified locally passes; an
     *     opaque token, verified by nobody else, is still refused)
     * @param circuitBreaker how quickly an unavailable endpoint is given up on (requests then get the failure policy
     *     at once), and retried
     */
    public record Introspection(
            @DefaultValue("false") boolean opaqueTokens,
            @DefaultValue("false") boolean always,
            String uri,
            String clientId,
            String clientSecret,
            @DefaultValue("2s") Duration timeout,
            @DefaultValue("30s") Duration cacheTtl,
            @DefaultValue("10000") long cacheSize,
            @DefaultValue("51200") int sizeLimit,
            @DefaultValue("deny") IntrospectionFailurePolicy failurePolicy,
            @DefaultValue @Valid UserInfo.CircuitBreaker circuitBreaker) {

        @ConstructorBinding
        public Introspection {
            failurePolicy = (failurePolicy != null) ? failurePolicy : IntrospectionFailurePolicy.DENY;
            circuitBreaker = (circuitBreaker != null) ? circuitBreaker : UserInfo.CircuitBreaker.DEFAULTS;
        }

        /** No introspection. */
        public static final Introspection DISABLED = new Introspection(
                false,
                false,
                null,
                null,
                null,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                10_000,
                51200,
                IntrospectionFailurePolicy.DENY,
                UserInfo.CircuitBreaker.DEFAULTS);

        /** Settings that introspect with these client credentials, the endpoint discovered, other values default. */
        public static Introspection of(String clientId, String clientSecret) {
            return new Introspection(
                    false,
                    false,
                    null,
                    clientId,
                    clientSecret,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(30),
                    10_000,
                    51200,
                    IntrospectionFailurePolicy.DENY,
                    UserInfo.CircuitBreaker.DEFAULTS);
        }

        /** Whether this issuer introspects at all (opaque tokens, or JWTs on some route). */
        public boolean configured() {
            return this.clientId != null && !this.clientId.isEmpty();
        }

        @Override
        public String toString() {
            return "Introspection[opaqueTokens=" + this.opaqueTokens + ", always=" + this.always + ", uri=" + this.uri
                    + ", clientId=" + this.clientId + ", clientSecret=******, timeout=" + this.timeout + ", cacheTtl="
                    + this.cacheTtl + ", failurePolicy=" + this.failurePolicy + "]";
        }
    }

    /** What a request gets when token introspection is unavailable. */
    public enum IntrospectionFailurePolicy {
        /** 503 {@code introspection_unavailable}; nothing reaches an upstream. */
        DENY,
        /** A JWT verified locally passes without the online check; an opaque token is still refused. */
        ALLOW_VERIFIED
    }

    /**
     * UserInfo enrichment (OpenID Connect Core §5.3): on a verified-token cache miss, the issuer's UserInfo endpoint is
     * called with the access token, and the listed claims of its answer are added to the identity (identity headers,
     * assertion, {@code Claim=} predicates, access expressions). A cache hit never calls it.
     *
     * @param enabled whether identities of this issuer are enriched
     * @param uri the UserInfo endpoint; when empty, the {@code userinfo_endpoint} of the issuer's discovery document
     * @param claims the UserInfo claims copied into the identity (e.g. {@code email}, {@code preferred_username},
     *     {@code groups}); the token's registered claims ({@code sub}, {@code iss}, {@code aud}, ...) cannot be listed
     * @param failurePolicy what a request gets when UserInfo cannot be fetched in time or answers with an error:
     *     {@code deny} (503 {@code userinfo_unavailable}, fail closed) or {@code continue} (the identity without the
     *     extra claims)
     * @param timeout longest wait for the UserInfo answer (and for discovery, when it has to run first)
     * @param degradedCacheTtl with {@code continue}, how long an identity served without its UserInfo claims stays
     *     in the verified-token cache, so an outage costs one UserInfo attempt per token per period; {@code 0} caches
     *     none
     * @param sizeLimit largest UserInfo or discovery answer accepted, in bytes
     * @param circuitBreaker how quickly an unavailable UserInfo endpoint is given up on (requests then get the failure
     *     policy at once, without a call), and retried
     * @param failureLogInterval at most one warning per interval for this issuer's UserInfo failures, with the number
     *     of failures and skipped calls since the last one
     */
    public record UserInfo(
            @DefaultValue("false") boolean enabled,
            String uri,

            @DefaultValue
            List<
                            @NotNull(message = "has an empty entry; remove it")
                            @Pattern(
                                    regexp = CLAIM_NAME,
                                    message = "'${validatedValue}' is not a usable claim name; use letters,"
                                            + " digits, '_', '.' or '-' (it names an identity header)")
                            String>
                    claims,

            @DefaultValue("deny") FailurePolicy failurePolicy,

            @DefaultValue("2s") @NotNull @DurationMin(nanos = 1, message = "must be positive (e.g. 2s)")
            Duration timeout,

            @DefaultValue("30s") @NotNull @DurationMin(nanos = 0, message = "must not be negative (0 caches nothing)")
            Duration degradedCacheTtl,

            @DefaultValue("51200") @Positive(message = "must be positive (bytes)")
            int sizeLimit,

            @DefaultValue @Valid CircuitBreaker circuitBreaker,

            @DefaultValue("1m")
            @NotNull
            @DurationMin(nanos = 0, message = "must not be negative (0 logs every failure)")
            Duration failureLogInterval) {

        /** A UserInfo claim name must make a header name (see the identity headers). */
        public static final String CLAIM_NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}";

        /** No enrichment. */
        public static final UserInfo DISABLED = new UserInfo(
                false,
                null,
                List.of(),
                FailurePolicy.DENY,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                51200,
                CircuitBreaker.DEFAULTS,
                Duration.ofMinutes(1));

        /**
         * @param failureRateThreshold percentage of failed UserInfo calls (no answer in time, a connection error, a
         *     5xx or 429, an unreadable answer) that opens the breaker; a 4xx about one token does not count
         * @param minimumCalls calls needed before the rate is judged
         * @param openFor how long requests skip UserInfo before one call probes it again
         */
        public record CircuitBreaker(
                @DefaultValue("50")
                @Positive(message = "must be a percentage above 0 and at most 100 (e.g. 50)")
                @DecimalMax(value = "100", message = "must be a percentage above 0 and at most 100 (e.g. 50)")
                float failureRateThreshold,

                @DefaultValue("5") @Min(value = 1, message = "must be at least 1 (e.g. 5)")
                int minimumCalls,

                @DefaultValue("10s") @NotNull @DurationMin(nanos = 1, message = "must be positive (e.g. 10s)")
                Duration openFor) {

            public static final CircuitBreaker DEFAULTS = new CircuitBreaker(50, 5, Duration.ofSeconds(10));
        }

        /** What a request gets when UserInfo is unavailable. */
        public enum FailurePolicy {
            /** 503 {@code userinfo_unavailable}; nothing is cached, nothing reaches an upstream. */
            DENY,
            /** The identity without the UserInfo claims (cached for {@code degraded-cache-ttl} at most). */
            CONTINUE
        }
    }

    /**
     * JWKS key-source behaviour (Nimbus {@code JWKSourceBuilder}).
     *
     * @param cacheTtl how long a fetched key set is used before it must be refreshed
     * @param refreshAhead refresh this long before the cache expires, in the background
     * @param minRefreshInterval at most one fetch per interval, however many unknown {@code kid}s arrive
     * @param outageTolerance how long the last key set keeps verifying while the IdP is unreachable
     * @param connectTimeout HTTP connect timeout
     * @param readTimeout HTTP read timeout
     * @param sizeLimit largest JWKS or discovery document accepted, in bytes
     * @param refreshTimeout how long a request waits for a refresh another request started
     */
    public record Jwks(
            @DefaultValue("5m") Duration cacheTtl,
            @DefaultValue("30s") Duration refreshAhead,
            @DefaultValue("1s") Duration minRefreshInterval,
            @DefaultValue("1h") Duration outageTolerance,
            @DefaultValue("2s") Duration connectTimeout,
            @DefaultValue("2s") Duration readTimeout,
            @DefaultValue("51200") int sizeLimit,
            @DefaultValue("3s") Duration refreshTimeout) {}

    /**
     * Internal edge tokens signed with shared HMAC keys.
     *
     * @param issuer the {@code iss} of edge tokens; empty disables edge authentication
     * @param audiences accepted {@code aud} values
     * @param maxLifetime longest accepted {@code exp - iat}
     * @param tokenType when set, the required {@code typ} header (explicit typing, RFC 8725 §3.11)
     * @param replayProtection one-time tokens: each {@code jti} is accepted once
     * @param keys the key ring's inline keys (small setups); combined with the keys of {@code keyDirectory}
     * @param keyDirectory a directory of key files, one {@code <name>.properties} file per key ({@code kid},
     *     {@code algorithm}, {@code secret} in base64, optional {@code not-before} / {@code not-after}), watched and
     *     reloaded without a restart (a mounted Kubernetes Secret, a Vault agent's output)
     * @param keyDirectoryRescan how often the key directory is re-read in case a file-system event was missed
     */
    public record Edge(
            String issuer,
            @DefaultValue List<String> audiences,
            @DefaultValue("10m") Duration maxLifetime,
            String tokenType,
            @DefaultValue("false") boolean replayProtection,
            @DefaultValue List<EdgeKey> keys,
            Path keyDirectory,
            @DefaultValue("10s") Duration keyDirectoryRescan) {

        @ConstructorBinding
        public Edge {}

        /** Settings with only inline keys. */
        public Edge(
                String issuer,
                List<String> audiences,
                Duration maxLifetime,
                String tokenType,
                boolean replayProtection,
                List<EdgeKey> keys) {
            this(issuer, audiences, maxLifetime, tokenType, replayProtection, keys, null, Duration.ofSeconds(10));
        }
    }

    /**
     * One HMAC key of the edge key ring. The secret comes from {@code secret} (base64, typically an env var
     * placeholder) or from {@code secretFile}, never from committed YAML.
     *
     * @param kid key id, matched against the token's {@code kid} header
     * @param algorithm HS256, HS384 or HS512
     * @param secret base64-encoded secret
     * @param secretFile file holding the base64-encoded secret
     * @param notBefore the key verifies tokens from this instant (rotation overlap)
     * @param notAfter the key stops verifying tokens at this instant
     */
    public record EdgeKey(
            String kid,
            @DefaultValue("HS256") String algorithm,
            String secret,
            Path secretFile,
            Instant notBefore,
            Instant notAfter) {

        @Override
        public String toString() {
            return "EdgeKey[kid=" + this.kid + ", algorithm=" + this.algorithm + ", secret=******]";
        }
    }

    /**
     * @param enabled whether verified tokens are cached
     * @param maximumSize most tokens remembered
     */
    public record Cache(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("100000") long maximumSize) {}
}
