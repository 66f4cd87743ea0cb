package io.dualcore.gateway.auth.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.ClaimChecks;
import io.dualcore.gateway.auth.ClaimValues;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import reactor.core.publisher.Mono;

/**
 * Verifies internal edge tokens: HMAC-signed by a key of the {@link EdgeKeyRing} chosen by {@code kid}, with the
 * key's own algorithm only, and the claims edge devices must send ({@code iss}, {@code sub}, {@code aud},
 * {@code exp}, {@code iat}, {@code jti}) within a maximum lifetime. Optionally each {@code jti} is accepted once.
 */
public final class EdgeTokenVerifier implements TokenVerifier {

    /** The name edge identities carry as their realm. */
    public static final String REALM = "edge";

    private final AuthProperties.Edge settings;

    private final Supplier<EdgeKeyRing> keyRing;

    private final ReplayGuard replayGuard;

    private final Clock clock;

    private final Duration clockSkew;

    /**
     * @param replayGuard the guard for one-time tokens, or {@code null} when replay protection is off
     */
    public EdgeTokenVerifier(
            AuthProperties.Edge settings,
            EdgeKeyRing keyRing,
            ReplayGuard replayGuard,
            Clock clock,
            Duration clockSkew) {
        this(settings, supplierOf(keyRing), replayGuard, clock, clockSkew);
    }

    /**
     * @param keyRing the ring in force, read on every verification and cache hit (a reloadable ring swaps it)
     * @param replayGuard the guard for one-time tokens, or {@code null} when replay protection is off
     */
    public EdgeTokenVerifier(
            AuthProperties.Edge settings,
            Supplier<EdgeKeyRing> keyRing,
            ReplayGuard replayGuard,
            Clock clock,
            Duration clockSkew) {
        Assert.notNull(settings, "settings cannot be null");
        Assert.hasText(settings.issuer(), "dualcore.auth.edge.issuer cannot be empty");
        Assert.isTrue(!settings.audiences().isEmpty(), "dualcore.auth.edge.audiences needs at least one audience");
        Assert.notNull(keyRing, "keyRing cannot be null");
        Assert.isTrue(
                !settings.replayProtection() || replayGuard != null,
                "replay protection is on but no replay guard is configured");
        this.settings = settings;
        this.keyRing = keyRing;
        this.replayGuard = settings.replayProtection() ? replayGuard : null;
        this.clock = clock;
        this.clockSkew = clockSkew;
    }

    private static Supplier<EdgeKeyRing> supplierOf(EdgeKeyRing ring) {
        Assert.notNull(ring, "keyRing cannot be null");
        return () -> ring;
    }

    @Override
    public String issuer() {
        return this.settings.issuer();
    }

    @Override
    public String name() {
        return REALM;
    }

    @Override
    public Mono<GatewayIdentity> verify(ParsedToken token) {
        GatewayIdentity identity;
        try {
            identity = verifySignatureAndClaims(token);
        } catch (TokenRejectedException ex) {
            return Mono.error(ex);
        }
        if (this.replayGuard == null) {
            return Mono.just(identity);
        }
        String jti = identity.claims().get("jti").toString();
        return this.replayGuard
                .firstUse(identity.issuer(), jti, identity.expiresAt())
                .onErrorMap(
                        ex -> !(ex instanceof TokenRejectedException),
                        ex -> new TokenRejectedException(
                                ErrorCode.REPLAY_CHECK_UNAVAILABLE, "The one-time token check is unavailable"))
                .flatMap(first -> first
                        ? Mono.just(identity)
                        : Mono.error(new TokenRejectedException(
                                ErrorCode.TOKEN_REPLAYED, "This one-time token was already used")));
    }

    /** Without a replay guard, an edge token is verified by its HMAC and claims alone: no I/O. */
    @Override
    public GatewayIdentity verifyInline(ParsedToken token) {
        return (this.replayGuard == null) ? verifySignatureAndClaims(token) : null;
    }

    private GatewayIdentity verifySignatureAndClaims(ParsedToken token) {
        EdgeKeyRing.EdgeKey key = this.keyRing.get().get(token.keyId());
        if (key == null) {
            throw new TokenRejectedException(ErrorCode.UNKNOWN_KEY, "The token was signed with an unknown key");
        }
        if (!key.algorithm().equals(token.algorithm())) {
            throw new TokenRejectedException(
                    ErrorCode.ALGORITHM_NOT_ALLOWED,
                    "The algorithm " + token.algorithm().getName() + " is not allowed for this key");
        }
        Instant now = this.clock.instant();
        if (!key.activeAt(now)) {
            throw new TokenRejectedException(
                    ErrorCode.UNKNOWN_KEY, "The token was signed with a key that is not active now");
        }
        try {
            if (!token.verify(key.verifier())) {
                throw new TokenRejectedException(ErrorCode.INVALID_SIGNATURE, "The token signature is invalid");
            }
        } catch (JOSEException | IllegalStateException ex) {
            throw new TokenRejectedException(ErrorCode.INVALID_SIGNATURE, "The token signature is invalid");
        }
        if (StringUtils.hasText(this.settings.tokenType())) {
            JOSEObjectType type = token.header().getType();
            if (type == null || !this.settings.tokenType().equalsIgnoreCase(type.getType())) {
                throw new TokenRejectedException(
                        ErrorCode.WRONG_TOKEN_TYPE, "Edge tokens must be typed " + this.settings.tokenType());
            }
        }
        JWTClaimsSet claims = token.claims();
        Instant expiresAt = ClaimChecks.checkTimes(claims, now, this.clockSkew, true);
        Instant issuedAt = claims.getIssueTime().toInstant();
        if (Duration.between(issuedAt, expiresAt).compareTo(this.settings.maxLifetime()) > 0) {
            throw new TokenRejectedException(
                    ErrorCode.TOKEN_LIFETIME_TOO_LONG,
                    "Edge tokens may live at most "
                            + this.settings.maxLifetime().toSeconds() + " s (exp - iat)");
        }
        ClaimChecks.checkAudience(claims, this.settings.audiences());
        String subject = token.subject();
        ClaimChecks.requireString(claims, "jti");
        String device = ClaimChecks.optionalString(claims, "device_id");
        return new GatewayIdentity(
                EdgeVerificationMode.MODE,
                token.issuer(),
                REALM,
                subject,
                null,
                stringSet(claims, "roles"),
                scopes(claims),
                (device != null) ? device : subject,
                key.kid(),
                expiresAt,
                claims.getClaims());
    }

    /** A JSON array of strings, or nothing; any other JSON type or member is {@code invalid_claim}. */
    private static Set<String> stringSet(JWTClaimsSet claims, String name) {
        Object claim = claims.getClaim(name);
        if (claim == null) {
            return Set.of();
        }
        if (!(claim instanceof List<?> list)) {
            throw ClaimValues.invalid(name, "is not an array of strings");
        }
        Set<String> values = new LinkedHashSet<>();
        for (Object value : list) {
            if (!(value instanceof String text)) {
                throw ClaimValues.invalid(name, "is not an array of strings");
            }
            // an empty member is refused when the identity is built (ClaimValues.list), never silently dropped
            values.add(text);
        }
        return values;
    }

    /** RFC 8693 §4.2 {@code scope}: space-delimited text (empty items between spaces skipped), or an array. */
    private static Set<String> scopes(JWTClaimsSet claims) {
        if (claims.getClaim("scope") instanceof String text) {
            Set<String> scopes = new LinkedHashSet<>();
            for (String item : text.split(" ")) {
                if (!item.isEmpty()) {
                    scopes.add(item);
                }
            }
            return scopes;
        }
        return stringSet(claims, "scope");
    }

    @Override
    public boolean stillTrusts(GatewayIdentity identity) {
        EdgeKeyRing.EdgeKey key = this.keyRing.get().get(identity.keyId());
        return key != null && key.activeAt(this.clock.instant());
    }

    @Override
    public Object currentKey(String kid) {
        return this.keyRing.get().get(kid);
    }

    /** The same secret and algorithm under the kid (a reloaded ring holds new key objects for unchanged keys). */
    @Override
    public boolean holdsKey(String kid, Object key) {
        EdgeKeyRing.EdgeKey current = this.keyRing.get().get(kid);
        if (current == key) {
            return true;
        }
        return current != null && key instanceof EdgeKeyRing.EdgeKey held && current.sameSecretAs(held);
    }

    @Override
    public boolean cacheable() {
        return this.replayGuard == null;
    }

    @Override
    public String toString() {
        return "EdgeTokenVerifier[" + this.settings.issuer() + ", kids="
                + this.keyRing.get().keyIds() + "]";
    }
}
