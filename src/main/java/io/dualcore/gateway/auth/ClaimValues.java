package io.dualcore.gateway.auth;

import io.dualcore.gateway.web.ErrorCode;
import java.util.Collection;
import java.util.Map;

/**
 * Which claim values the gateway hands over. Every value that becomes an identity header (subject, client, device,
 * key id, each role and scope, each UserInfo text claim) must be text the identity-header encoding carries exactly:
 * no control character (C0, DEL, C1: a decoded value could split a log line or a header upstream), no unpaired
 * UTF-16 surrogate (no exact UTF-8 form), at most {@value #MAX_LENGTH} characters, and not empty inside a list.
 * Anything else is refused as 401 {@code invalid_claim}, before the identity exists, so it can never fail later on
 * the way upstream.
 */
public final class ClaimValues {

    /** The longest claim value (in UTF-16 characters) handed over; Keycloak's own limit for names is 255. */
    public static final int MAX_LENGTH = 1024;

    private ClaimValues() {}

    /** Checks one text value of the named claim ({@code null} is fine: the claim is absent). */
    public static void text(String claim, String value) {
        if (value == null) {
            return;
        }
        if (value.length() > MAX_LENGTH) {
            throw invalid(claim, "is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw invalid(claim, "contains a control character");
            }
            if (Character.isHighSurrogate(c)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid(claim, "contains an unpaired UTF-16 surrogate");
            }
        }
    }

    /** Checks each member of a list claim: a text value as {@link #text}, and not empty. */
    public static void list(String claim, Collection<String> values) {
        for (String value : values) {
            if (value == null || value.isEmpty()) {
                throw invalid(claim, "has an empty member");
            }
            text(claim, value);
        }
    }

    /** Checks the UserInfo claims that become headers: text values, and the text members of arrays. */
    public static void userInfo(Map<String, Object> claims) {
        for (Map.Entry<String, Object> claim : claims.entrySet()) {
            text("userinfo " + claim.getKey() + " (name)", claim.getKey());
            if (claim.getValue() instanceof String text) {
                text("userinfo " + claim.getKey(), text);
            } else if (claim.getValue() instanceof Collection<?> members) {
                for (Object member : members) {
                    if (member instanceof String text) {
                        text("userinfo " + claim.getKey(), text);
                    }
                }
            }
        }
    }

    /** The refusal of a claim that is not a JSON string where RFC 7519 or the gateway requires one. */
    public static TokenRejectedException notString(String claim) {
        return invalid(claim, "is not a string");
    }

    /** The refusal of a claim value; the description names the claim and the problem, never the value. */
    public static TokenRejectedException invalid(String claim, String problem) {
        return new TokenRejectedException(ErrorCode.INVALID_CLAIM, "The " + claim + " claim " + problem);
    }
}
