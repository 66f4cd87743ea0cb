package io.dualcore.gateway.auth.revocation;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import org.springframework.util.Assert;

/**
 * One revocation: the tokens of a subject, a session ({@code sid}), an edge device ({@code device_id}) or one token
 * ({@code jti}) of one realm (the trusted issuer's configured name, {@code edge} for edge tokens) are refused until
 * {@code until}.
 *
 * @param kind what the value names
 * @param realm the realm whose tokens are refused (the issuer's configured name, or {@code edge})
 * @param value the subject, session, device or token id
 * @param issuedBefore when set, only tokens issued at or before this instant ({@code iat}) are refused: a logout
 *     takes back the tokens it knew of, not the next login's
 * @param sessionlessOnly only tokens without a {@code sid} claim: with a session revocation of the same logout, a
 *     token that names its session is judged by that session alone
 * @param until when the revocation lapses (the latest {@code exp} the revoked tokens can have, or the admin's choice)
 * @param actor who revoked: the admin identity's subject, or {@code backchannel-logout}
 */
public record Revocation(
        Kind kind,
        String realm,
        String value,
        Instant issuedBefore,
        boolean sessionlessOnly,
        Instant until,
        String actor) {

    /** Longest realm or value accepted: no revocation key is larger than this. */
    public static final int MAX_LENGTH = 512;

    public Revocation {
        Assert.notNull(kind, "kind cannot be null");
        Assert.isTrue(isValidPart(realm), "realm must be 1 to " + MAX_LENGTH + " printable characters without '|'");
        Assert.isTrue(
                value != null && !value.isEmpty() && value.length() <= MAX_LENGTH,
                "value must be 1 to " + MAX_LENGTH + " characters");
        Assert.notNull(until, "until cannot be null");
        Assert.hasText(actor, "actor cannot be empty");
    }

    /** The revocation's identity: a realm and value revoked twice under one kind is one revocation. */
    public String id() {
        return id(this.kind, this.realm, this.value);
    }

    /** The identity of a revocation: {@code kind|realm|value} (a realm has no {@code |}). */
    public static String id(Kind kind, String realm, String value) {
        return kind.value() + "|" + realm + "|" + value;
    }

    /** Whether this revocation still refuses this identity at {@code nowMillis}. */
    boolean covers(GatewayIdentity identity, long nowMillis) {
        if (nowMillis >= this.until.toEpochMilli()) {
            return false;
        }
        if (this.sessionlessOnly && identity.claims().get("sid") != null) {
            return false;
        }
        if (this.issuedBefore == null) {
            return true;
        }
        Instant issuedAt = issuedAt(identity);
        // no iat: nothing proves the token is newer than the logout, so it is refused
        return issuedAt == null || !issuedAt.isAfter(this.issuedBefore);
    }

    private static Instant issuedAt(GatewayIdentity identity) {
        Object iat = identity.claims().get("iat");
        if (iat instanceof Date date) {
            return date.toInstant();
        }
        if (iat instanceof Instant instant) {
            return instant;
        }
        if (iat instanceof Number seconds) {
            return Instant.ofEpochSecond(seconds.longValue());
        }
        return null;
    }

    static boolean isValidPart(String part) {
        if (part == null || part.isEmpty() || part.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '|') {
                return false;
            }
        }
        return true;
    }

    /** What a revocation names. */
    public enum Kind {
        /** Every token of a subject ({@code sub}) of the realm. */
        SUBJECT("sub"),
        /** The tokens of one session ({@code sid}). */
        SESSION("sid"),
        /** The tokens of an edge device ({@code device_id}, else {@code sub}). */
        DEVICE("device"),
        /** One token ({@code jti}). */
        TOKEN("jti");

        private final String value;

        Kind(String value) {
            this.value = value;
        }

        /** The name in the admin API, the CLI and audit lines. */
        public String value() {
            return this.value;
        }

        /** The kind named {@code sub}, {@code sid}, {@code device} or {@code jti} (case-insensitive). */
        public static Kind of(String value) {
            for (Kind kind : values()) {
                if (kind.value.equals(value.toLowerCase(Locale.ROOT))) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown revocation kind; expected sub, sid, device" + " or jti");
        }
    }
}
