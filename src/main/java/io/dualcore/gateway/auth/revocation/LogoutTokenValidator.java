package io.dualcore.gateway.auth.revocation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

/**
 * Validates the logout tokens of one realm exactly as OpenID Connect Back-Channel Logout 1.0 §2.6 says: a compact
 * JWS signed with a key of the realm's JWKS and one of its asymmetric algorithms, {@code typ} {@code logout+jwt} when
 * the header names one, the realm's {@code iss}, an {@code aud} naming one of the accepted clients, a recent
 * {@code iat}, an unexpired {@code exp} when present, a {@code jti} never seen before, the back-channel logout member
 * in an {@code events} object, a {@code sid} and/or a {@code sub}, and no {@code nonce}.
 *
 * @see <a href="https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation">Back-Channel Logout 1.0
 *     §2.6</a>
 */
public final class LogoutTokenValidator {

    /** The member of {@code events} that makes a JWT a logout token (§2.4). */
    public static final String BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

    private static final Set<String> LOGOUT_TYPES = Set.of("logout+jwt", "application/logout+jwt");

    private final OidcTokenVerifier verifier;

    private final Set<String> clients;

    private final Clock clock;

    private final Duration maxAge;

    private final Duration clockSkew;

    private final int maxTokenLength;

    /** The {@code jti}s of the logout tokens accepted, until they are too old to be accepted again anyway. */
    private final Cache<String, Boolean> seen;

    /**
     * @param verifier the realm's access-token verifier: its issuer, keys and algorithms
     * @param clients the client ids a logout token's {@code aud} must name one of
     * @param maxAge how old an {@code iat} may be
     * @param clockSkew tolerance on {@code iat} and {@code exp}
     * @param maxTokenLength the longest logout token accepted
     * @param maxRemembered most {@code jti}s remembered (beyond, the oldest are forgotten first: a replay then
     *     only revokes again what is revoked)
     */
    public LogoutTokenValidator(
            OidcTokenVerifier verifier,
            Set<String> clients,
            Clock clock,
            Duration maxAge,
            Duration clockSkew,
            int maxTokenLength,
            long maxRemembered) {
        Assert.notNull(verifier, "verifier cannot be null");
        Assert.notEmpty(
                clients,
                () -> "no client id accepted as the aud of realm " + verifier.name()
                        + "'s logout tokens; set dualcore.revocation.backchannel-logout.clients." + verifier.name());
        Assert.notNull(clock, "clock cannot be null");
        this.verifier = verifier;
        this.clients = Set.copyOf(clients);
        this.clock = clock;
        this.maxAge = maxAge;
        this.clockSkew = clockSkew;
        this.maxTokenLength = maxTokenLength;
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxRemembered)
                .expireAfterWrite(maxAge.plus(clockSkew).plus(clockSkew))
                .executor(Runnable::run)
                .build();
    }

    /** The realm (the issuer's configured name). */
    public String realm() {
        return this.verifier.name();
    }

    /**
     * Validates a logout token.
     *
     * @return the logout it asks for, or an error signal carrying an {@link InvalidLogoutTokenException} (whose
     *     message is the gateway's own description, never token content)
     */
    public Mono<Logout> validate(String logoutToken) {
        ParsedToken parsed;
        try {
            Assert.notNull(logoutToken, "logoutToken cannot be null");
            parsed = ParsedToken.parse(logoutToken, this.maxTokenLength);
            checkType(parsed);
            if (!this.verifier.issuer().equals(parsed.issuer())) {
                throw invalid("The logout token's iss is not this realm's issuer");
            }
        } catch (TokenRejectedException ex) {
            return Mono.error(invalid("The logout token is not acceptable: " + ex.description()));
        } catch (InvalidLogoutTokenException ex) {
            return Mono.error(ex);
        }
        return this.verifier
                .verifySignature(parsed)
                .onErrorMap(
                        TokenRejectedException.class,
                        ex -> invalid("The logout token is not acceptable: " + ex.description()))
                .onErrorMap(
                        ex -> !(ex instanceof InvalidLogoutTokenException),
                        ex -> invalid("The logout token could not be verified"))
                .map(this::checkClaims);
    }

    private static void checkType(ParsedToken parsed) {
        JOSEObjectType type = parsed.header().getType();
        if (type != null && !LOGOUT_TYPES.contains(type.getType().toLowerCase(Locale.ROOT))) {
            throw invalid("The logout token's typ header is not logout+jwt");
        }
    }

    private Logout checkClaims(ParsedToken token) {
        JWTClaimsSet claims = token.claims();
        Instant now = this.clock.instant();
        List<String> audience = stringList(claims.getClaim("aud"), "aud");
        if (audience.stream().noneMatch(this.clients::contains)) {
            throw invalid("The logout token's aud names no client of this realm that accepts logouts here");
        }
        Instant issuedAt = instant(claims.getClaim("iat"), "iat");
        if (issuedAt == null) {
            throw invalid("The logout token has no iat");
        }
        if (issuedAt.isAfter(now.plus(this.clockSkew))) {
            throw invalid("The logout token's iat is in the future");
        }
        if (issuedAt.isBefore(now.minus(this.maxAge).minus(this.clockSkew))) {
            throw invalid("The logout token is too old (iat)");
        }
        Instant expiresAt = instant(claims.getClaim("exp"), "exp");
        if (expiresAt != null && !now.isBefore(expiresAt.plus(this.clockSkew))) {
            throw invalid("The logout token has expired");
        }
        if (claims.getClaim("nonce") != null) {
            throw invalid("A logout token must not carry a nonce");
        }
        if (!(claims.getClaim("events") instanceof Map<?, ?> events)) {
            throw invalid("The logout token has no events object");
        }
        if (!(events.get(BACKCHANNEL_LOGOUT_EVENT) instanceof Map<?, ?>)) {
            throw invalid("The logout token's events do not hold the back-channel logout event as a JSON object");
        }
        String subject = optionalString(claims.getClaim("sub"), "sub");
        String session = optionalString(claims.getClaim("sid"), "sid");
        if (subject == null && session == null) {
            throw invalid("The logout token has neither sid nor sub");
        }
        String jti = optionalString(claims.getClaim("jti"), "jti");
        if (jti == null) {
            throw invalid("The logout token has no jti");
        }
        // remembered last, so that a token refused for another reason cannot burn its jti
        if (this.seen.asMap().putIfAbsent(jti, Boolean.TRUE) != null) {
            throw invalid("The logout token was already used (jti)");
        }
        return new Logout(realm(), subject, session, issuedAt);
    }

    private static List<String> stringList(Object value, String name) {
        if (value instanceof String text && !text.isEmpty()) {
            return List.of(text);
        }
        if (value instanceof List<?> list && !list.isEmpty()) {
            for (Object item : list) {
                if (!(item instanceof String)) {
                    throw invalid("The logout token's " + name + " is not a string or a list of strings");
                }
            }
            @SuppressWarnings("unchecked")
            List<String> strings = (List<String>) list;
            return strings;
        }
        throw invalid("The logout token has no " + name);
    }

    private static String optionalString(Object value, String name) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.isEmpty() || text.length() > Revocation.MAX_LENGTH) {
            throw invalid("The logout token's " + name + " is not a non-empty string");
        }
        return text;
    }

    private static Instant instant(Object value, String name) {
        if (value == null) {
            return null;
        }
        if (value instanceof Date date) {
            return date.toInstant();
        }
        if (value instanceof Number number) {
            return Instant.ofEpochSecond(number.longValue());
        }
        throw invalid("The logout token's " + name + " is not a number of seconds");
    }

    private static InvalidLogoutTokenException invalid(String description) {
        return new InvalidLogoutTokenException(description);
    }

    /**
     * A valid logout: the realm's tokens of this session and/or subject issued up to {@code issuedAt} are revoked.
     *
     * @param realm the realm (the issuer's configured name)
     * @param subject the {@code sub}, or {@code null}
     * @param session the {@code sid}, or {@code null}
     * @param issuedAt the logout token's {@code iat}: when the logout happened
     */
    public record Logout(String realm, String subject, String session, Instant issuedAt) {

        /**
         * The revocations of this logout. With only {@code sub}: every token of the subject issued up to the logout.
         * With {@code sid}: the session's tokens, and the subject's tokens issued up to the logout — all of them under
         * {@link RevocationProperties.LogoutScope#SUBJECT}, only those that name no session under
         * {@link RevocationProperties.LogoutScope#SESSION}.
         */
        public List<Revocation> revocations(Instant until, RevocationProperties.LogoutScope scope) {
            Assert.notNull(scope, "scope cannot be null");
            String actor = "backchannel-logout";
            boolean sessionlessOnly = this.session != null && scope == RevocationProperties.LogoutScope.SESSION;
            Revocation bySubject = (this.subject != null)
                    ? new Revocation(
                            Revocation.Kind.SUBJECT,
                            this.realm,
                            this.subject,
                            this.issuedAt,
                            sessionlessOnly,
                            until,
                            actor)
                    : null;
            if (this.session == null) {
                return List.of(bySubject);
            }
            Revocation bySession =
                    new Revocation(Revocation.Kind.SESSION, this.realm, this.session, null, false, until, actor);
            return (bySubject != null) ? List.of(bySession, bySubject) : List.of(bySession);
        }
    }

    /** A logout token refused; the message is the gateway's own description. */
    public static final class InvalidLogoutTokenException extends RuntimeException {

        InvalidLogoutTokenException(String description) {
            super(description, null, false, false);
        }
    }
}
