package io.dualcore.gateway.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.GatewayIdentity;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.util.Assert;

/**
 * Signs short-lived identity assertions with the gateway's own ES256 key, so upstreams can verify who called them
 * without trusting the network behind the gateway. The key rotates; retired public keys stay in the published
 * JWKS for one assertion lifetime, so no assertion in flight stops verifying.
 *
 * <p>A signature is the expensive part (ES256 costs about 0.5–1 ms of CPU on Java 17), so assertions are reused per
 * identity and route for about three-quarters of their lifetime (between 11/16 and 13/16, drawn at random per
 * assertion, so that assertions signed in the same second are not all renewed in the same second): memoized on the identity instance
 * (a token served from the verified-token cache finds it there), and by the identity's content (a new token of the
 * same caller, or every request with the verified-token cache off, reuses it too). A reused assertion never
 * outlives the token it stands for; one cut short by its token's expiry is reused for the same share of its own
 * lifetime; a key rotation starts afresh.
 */
public final class IdentityAssertionSigner {

    /** The {@code typ} header of assertions (explicit typing, RFC 8725 §3.11). */
    public static final String TYPE = "dualcore-identity+jwt";

    private final IdentityProperties.Assertion settings;

    private final Clock clock;

    /** The provider assertions are signed with; {@code null}: the JDK's. */
    private final Provider signingProvider;

    /** By identity instance and route id: a cached identity finds its assertion without hashing its content. */
    private final GatewayIdentity.Derived<ConcurrentMap<String, Signed>> byInstance =
            GatewayIdentity.Derived.of(identity -> new ConcurrentHashMap<>(4));

    /** By identity content and route id. */
    private final Cache<Subject, Signed> recent;

    private volatile SigningKey current;

    private volatile List<SigningKey> retired = List.of();

    /** The longest lifetime an assertion was signed with (a reload may lengthen it): how long a retired key stays. */
    private final AtomicLong longestTtlNanos;

    public IdentityAssertionSigner(IdentityProperties.Assertion settings, Clock clock) {
        this(settings, clock, null);
    }

    /**
     * @param signingProvider the JCA provider that signs (ES256), or {@code null} for the JDK's: Amazon Corretto Crypto
     *     Provider signs in ~32 µs where JDK 17 takes ~420 µs, and a subject's first request on a route waits for it
     */
    public IdentityAssertionSigner(IdentityProperties.Assertion settings, Clock clock, Provider signingProvider) {
        Assert.notNull(settings, "settings cannot be null");
        this.signingProvider = signingProvider;
        Assert.isTrue(!settings.ttl().isNegative() && !settings.ttl().isZero(), "assertion ttl must be positive");
        this.settings = settings;
        this.longestTtlNanos = new AtomicLong(settings.ttl().toNanos());
        this.clock = clock;
        this.recent = Caffeine.newBuilder()
                // maintenance on the caller's thread (see VerifiedTokenCache)
                .executor(Runnable::run)
                .maximumSize(100_000)
                .expireAfterWrite(settings.ttl())
                .build();
        this.current = newKey();
    }

    /** An assertion of this identity for this route, signed with the current key. */
    public String assertionFor(GatewayIdentity identity, String routeId) {
        return assertionFor(identity, routeId, null);
    }

    /**
     * An assertion of this identity for this route, signed with the current key.
     *
     * @param settings the issuer and lifetime of the configuration the request runs on, or {@code null} for the
     *     startup ones; an assertion made under other settings is not reused
     */
    public String assertionFor(GatewayIdentity identity, String routeId, IdentityProperties.Assertion settings) {
        IdentityProperties.Assertion applied = (settings != null) ? settings : this.settings;
        SigningKey key = this.current;
        // the clock's millis, not an Instant: nothing allocated on a reuse
        long now = this.clock.millis();
        ConcurrentMap<String, Signed> byRoute = identity.derived(this.byInstance);
        Signed signed = byRoute.get(routeId);
        if (reusable(signed, key, now, identity, applied)) {
            return signed.token();
        }
        Subject subject = Subject.of(identity, routeId);
        signed = this.recent.getIfPresent(subject);
        if (!reusable(signed, key, now, identity, applied)) {
            signed = sign(identity, routeId, key, this.clock.instant(), applied);
            this.recent.put(subject, signed);
        }
        byRoute.put(routeId, signed);
        return signed.token();
    }

    private boolean reusable(
            Signed signed,
            SigningKey key,
            long nowMillis,
            GatewayIdentity identity,
            IdentityProperties.Assertion settings) {
        return signed != null
                && signed.key() == key
                && (signed.settings() == settings || signed.settings().equals(settings))
                && nowMillis < signed.renewAtMillis()
                && !signed.expiresAt().isAfter(identity.expiresAt());
    }

    private Signed sign(
            GatewayIdentity identity,
            String routeId,
            SigningKey key,
            Instant now,
            IdentityProperties.Assertion settings) {
        this.longestTtlNanos.accumulateAndGet(settings.ttl().toNanos(), Math::max);
        Instant expiresAt = now.plus(settings.ttl());
        if (expiresAt.isAfter(identity.expiresAt())) {
            expiresAt = identity.expiresAt();
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(settings.issuer())
                .subject(identity.subject())
                .audience(routeId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .jwtID(UUID.randomUUID().toString())
                .claim("mode", identity.mode().name())
                .claim("token_iss", identity.issuer())
                .claim("realm", identity.realm())
                .claim("route", routeId)
                .claim("roles", identity.roles().stream().sorted().toList())
                .claim("scopes", identity.scopes().stream().sorted().toList());
        if (identity.clientId() != null) {
            claims.claim("client_id", identity.clientId());
        }
        if (identity.deviceId() != null) {
            claims.claim("device_id", identity.deviceId());
        }
        if (identity.keyId() != null) {
            claims.claim("token_kid", identity.keyId());
        }
        if (identity.userInfo() != null && !identity.userInfo().isEmpty()) {
            // nested, so a UserInfo claim can never stand in for one of the assertion's own claims
            claims.claim("userinfo", identity.userInfo());
        }
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.jwk().getKeyID())
                .type(new JOSEObjectType(TYPE))
                .build();
        JWTClaimsSet built = claims.build();
        SignedJWT jwt = new SignedJWT(header, built);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException | RuntimeException ex) {
            if (this.signingProvider == null) {
                throw new IllegalStateException("Could not sign an identity assertion", ex);
            }
            // the chosen provider passed its self-tests at start; should it fail now, the JDK's signs instead
            jwt = new SignedJWT(header, built);
            signWithJdk(jwt, key);
        }
        return new Signed(
                jwt.serialize(),
                key,
                settings,
                expiresAt,
                renewAt(now, expiresAt).toEpochMilli());
    }

    /**
     * Replaces the signing key; the old public key stays published for one assertion lifetime (the longest one signed
     * since startup).
     */
    public synchronized void rotate() {
        Instant now = this.clock.instant();
        List<SigningKey> keep = new ArrayList<>();
        SigningKey previous = this.current;
        keep.add(new SigningKey(previous.jwk(), previous.signer(), now.plusNanos(this.longestTtlNanos.get())));
        for (SigningKey key : this.retired) {
            if (key.retiredUntil() != null && now.isBefore(key.retiredUntil())) {
                keep.add(key);
            }
        }
        this.current = newKey();
        this.retired = List.copyOf(keep);
        this.recent.invalidateAll();
        // instance memos are checked against the current key, so they need no invalidation
    }

    /** The public keys upstreams verify assertions with: the current key and recently retired ones. */
    public Map<String, Object> publicJwks() {
        Instant now = this.clock.instant();
        List<JWK> keys = new ArrayList<>();
        keys.add(this.current.jwk().toPublicJWK());
        for (SigningKey key : this.retired) {
            if (now.isBefore(key.retiredUntil())) {
                keys.add(key.jwk().toPublicJWK());
            }
        }
        return new JWKSet(keys).toJSONObject(true);
    }

    public String currentKeyId() {
        return this.current.jwk().getKeyID();
    }

    private static void signWithJdk(SignedJWT jwt, SigningKey key) {
        try {
            jwt.sign(new ECDSASigner(key.jwk()));
        } catch (JOSEException ex) {
            throw new IllegalStateException("Could not sign an identity assertion", ex);
        }
    }

    private SigningKey newKey() {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true)
                    .generate();
            ECDSASigner signer = new ECDSASigner(key);
            if (this.signingProvider != null) {
                signer.getJCAContext().setProvider(this.signingProvider);
            }
            return new SigningKey(key, signer, null);
        } catch (JOSEException ex) {
            throw new IllegalStateException("Could not generate the identity assertion key", ex);
        }
    }

    private record SigningKey(ECKey jwk, ECDSASigner signer, Instant retiredUntil) {}

    /**
     * When reuse of an assertion ends: after 11/16 to 13/16 of its own lifetime, at random, so an upstream always gets
     * at least 3/16 of it (11 s of the default 60 s) to verify it, an assertion cut short by its token's expiry is still
     * reused for most of its life, and the renewals of assertions signed together spread over an eighth of the
     * lifetime while costing as many signatures on average as a renewal at three-quarters.
     */
    static Instant renewAt(Instant signedAt, Instant expiresAt) {
        long lifetime = Math.max(0, Duration.between(signedAt, expiresAt).toNanos());
        long reuse = lifetime / 16 * 11 + ThreadLocalRandom.current().nextLong(lifetime / 8 + 1);
        return signedAt.plusNanos(reuse);
    }

    /**
     * @param renewAtMillis when reuse ends, in epoch milliseconds (rounded down: reuse ends at most a millisecond
     *     early, never late)
     */
    private record Signed(
            String token,
            SigningKey key,
            IdentityProperties.Assertion settings,
            Instant expiresAt,
            long renewAtMillis) {}

    /** Everything an assertion says about its caller, and the route: assertions are equal when these are. */
    private record Subject(
            String routeId,
            String mode,
            String issuer,
            String realm,
            String subject,
            String clientId,
            java.util.Set<String> roles,
            java.util.Set<String> scopes,
            String deviceId,
            String keyId,
            java.util.Map<String, Object> userInfo) {

        static Subject of(GatewayIdentity identity, String routeId) {
            return new Subject(
                    routeId,
                    identity.mode().name(),
                    identity.issuer(),
                    identity.realm(),
                    identity.subject(),
                    identity.clientId(),
                    identity.roles(),
                    identity.scopes(),
                    identity.deviceId(),
                    identity.keyId(),
                    // an assertion carries the UserInfo claims: an identity with other ones (or none) needs its own
                    identity.userInfo());
        }
    }
}
