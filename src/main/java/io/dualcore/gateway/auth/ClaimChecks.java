package io.dualcore.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.web.ErrorCode;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/**
 * The registered-claim checks (RFC 7519 §4.1) that both verifiers apply after the signature, each failing with
 * its own stable code.
 */
public final class ClaimChecks {

    private ClaimChecks() {}

    /** Checks {@code exp} (required), {@code nbf} and {@code iat} against {@code now} with the allowed skew. */
    public static Instant checkTimes(JWTClaimsSet claims, Instant now, Duration skew, boolean requireIssuedAt) {
        Instant expiresAt = instant(claims, "exp");
        if (expiresAt == null) {
            throw missing("exp");
        }
        if (!now.minus(skew).isBefore(expiresAt)) {
            throw new TokenRejectedException(ErrorCode.TOKEN_EXPIRED, "The token has expired");
        }
        Instant notBefore = instant(claims, "nbf");
        if (notBefore != null && now.plus(skew).isBefore(notBefore)) {
            throw new TokenRejectedException(ErrorCode.TOKEN_NOT_YET_VALID, "The token is not valid yet (nbf)");
        }
        Instant issuedAt = instant(claims, "iat");
        if (issuedAt == null && requireIssuedAt) {
            throw missing("iat");
        }
        if (issuedAt != null && now.plus(skew).isBefore(issuedAt)) {
            throw new TokenRejectedException(ErrorCode.TOKEN_NOT_YET_VALID, "The token is issued in the future (iat)");
        }
        if (issuedAt != null && expiresAt.isBefore(issuedAt)) {
            throw new TokenRejectedException(ErrorCode.MALFORMED_TOKEN, "The token expires before it was issued");
        }
        return expiresAt;
    }

    /** Requires at least one of the accepted audiences in {@code aud}. */
    public static void checkAudience(JWTClaimsSet claims, Collection<String> accepted) {
        List<String> audience;
        try {
            audience = claims.getStringListClaim("aud");
        } catch (ParseException ex) {
            throw new TokenRejectedException(ErrorCode.MALFORMED_TOKEN, "The aud claim is not a string or list");
        }
        if (audience == null || audience.isEmpty()) {
            throw missing("aud");
        }
        for (String candidate : audience) {
            if (accepted.contains(candidate)) {
                return;
            }
        }
        throw new TokenRejectedException(
                ErrorCode.AUDIENCE_MISMATCH, "The token is not intended for this gateway (aud)");
    }

    /** A non-empty string claim. */
    public static String requireString(JWTClaimsSet claims, String name) {
        String value = optionalString(claims, name);
        if (value == null || value.isEmpty()) {
            throw missing(name);
        }
        return value;
    }

    /** A string claim, or {@code null} when absent. */
    public static String optionalString(JWTClaimsSet claims, String name) {
        try {
            return claims.getStringClaim(name);
        } catch (ParseException ex) {
            throw ClaimValues.notString(name);
        }
    }

    private static Instant instant(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        if (value == null) {
            return null;
        }
        if (value instanceof Date date) {
            return date.toInstant();
        }
        throw new TokenRejectedException(ErrorCode.MALFORMED_TOKEN, "The " + name + " claim is not a NumericDate");
    }

    public static TokenRejectedException missing(String claim) {
        return new TokenRejectedException(ErrorCode.MISSING_CLAIM, "The token has no " + claim + " claim");
    }
}
