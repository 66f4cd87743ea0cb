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
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.util.Assert;

/**
 * Signs short-lived identity assertions with the gateway's own ES256 key, so upstreams can verify who called them
 * without trusting the network behind the gateway. The key rotates; retired public keys stay in the published
 * JWKS for one assertion lifetime, so no assertion in flight stops verifying. Assertions are reused for half
 * their lifetime per identity and route, keeping signatures off the hot path.
 */
public final class IdentityAssertionSigner {

    /** The {@code typ} header of assertions (explicit typing, RFC 8725 §3.11). */
    public static final String TYPE = "dualcore-identity+jwt";

    private final IdentityProperties.Assertion settings;

    private final Clock clock;

    /** By identity instance (weak keys compare by identity): cached identities make reuse nearly free. */
    private final Cache<GatewayIdentity, ConcurrentMap<String, Signed>> recent;

    private volatile SigningKey current;

    private volatile List<SigningKey> retired = List.of();

    public IdentityAssertionSigner(IdentityProperties.Assertion settings, Clock clock) {
        Assert.notNull(settings, "settings cannot be null");
        Assert.isTrue(!settings.ttl().isNegative() && !settings.ttl().isZero(), "assertion ttl must be positive");
        this.settings = settings;
        this.clock = clock;
        this.recent = Caffeine.newBuilder()
                .weakKeys()
                .maximumSize(100_000)
                .expireAfterWrite(settings.ttl().dividedBy(2))
                .build();
        this.current = newKey();
    }

    /** An assertion of this identity for this route, signed with the current key. */
    public String assertionFor(GatewayIdentity identity, String routeId) {
        SigningKey key = this.current;
        Instant now = this.clock.instant();
        ConcurrentMap<String, Signed> byRoute = this.recent.get(identity, k -> new ConcurrentHashMap<>());
        Signed signed = byRoute.get(routeId);
        if (signed == null || signed.key() != key || !now.isBefore(signed.reuseUntil())) {
            signed = sign(identity, routeId, key, now);
            byRoute.put(routeId, signed);
        }
        return signed.token();
    }

    private Signed sign(GatewayIdentity identity, String routeId, SigningKey key, Instant now) {
        Instant expiresAt = now.plus(this.settings.ttl());
        if (expiresAt.isAfter(identity.expiresAt())) {
            expiresAt = identity.expiresAt();
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(this.settings.issuer())
                .subject(identity.subject())
                .audience(routeId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .jwtID(UUID.randomUUID().toString())
                .claim("mode", identity.mode().value())
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
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.jwk().getKeyID())
                .type(new JOSEObjectType(TYPE))
                .build();
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(key.signer());
        } catch (JOSEException ex) {
            throw new IllegalStateException("Could not sign an identity assertion", ex);
        }
        return new Signed(jwt.serialize(), key, now.plus(this.settings.ttl().dividedBy(2)));
    }

    /** Replaces the signing key; the old public key stays published for one assertion lifetime. */
    public synchronized void rotate() {
        Instant now = this.clock.instant();
        List<SigningKey> keep = new ArrayList<>();
        SigningKey previous = this.current;
        keep.add(new SigningKey(previous.jwk(), previous.signer(), now.plus(this.settings.ttl())));
        for (SigningKey key : this.retired) {
            if (key.retiredUntil() != null && now.isBefore(key.retiredUntil())) {
                keep.add(key);
            }
        }
        this.current = newKey();
        this.retired = List.copyOf(keep);
        this.recent.invalidateAll();
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

    private static SigningKey newKey() {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true)
                    .generate();
            return new SigningKey(key, new ECDSASigner(key), null);
        } catch (JOSEException ex) {
            throw new IllegalStateException("Could not generate the identity assertion key", ex);
        }
    }

    private record SigningKey(ECKey jwk, ECDSASigner signer, Instant retiredUntil) {}

    private record Signed(String token, SigningKey key, Instant reuseUntil) {}
}
