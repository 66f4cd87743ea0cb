package io.dualcore.gateway.auth.credentials;

/**
 * A cheap test for a compact JWS or JWE (RFC 7515 §7.1, RFC 7516 §7.1) anywhere in a header or cookie value: three
 * or five base64url segments joined by dots, the first one long enough for a JOSE header and starting as base64url of
 * a JSON object does ({@code {"} encodes as {@code eyJ}, {@code {} followed by a space as {@code ey},
 * followed by a line break or tab as {@code ew}). The token may stand alone or follow a scheme, a list separator, a
 * quote or an {@code =}; it is found only where it starts a word. No decoding: a false positive costs only a header
 * the route can forward by name.
 */
final class JwtShape {

    /** The shortest base64url of a JOSE header worth the name ({@code {"alg":"x"}} is 15 characters). */
    private static final int MIN_HEADER_LENGTH = 8;

    private JwtShape() {}

    /** Whether the value carries a compact JWS or JWE. Allocation-free, one pass over the value. */
    static boolean in(CharSequence value) {
        return in(value, 0, value.length());
    }

    /** Whether {@code value[from, to)} carries a compact JWS or JWE. */
    static boolean in(CharSequence value, int from, int to) {
        int last = to - MIN_HEADER_LENGTH;
        for (int at = from; at < last; at++) {
            if (value.charAt(at) == 'e'
                    && (at == from || !isTokenChar(value.charAt(at - 1)))
                    && (value.charAt(at + 1) == 'y' || value.charAt(at + 1) == 'w')
                    && shapeAt(value, at, to)) {
                return true;
            }
        }
        return false;
    }

    private static boolean shapeAt(CharSequence value, int start, int to) {
        int dots = 0;
        int headerLength = -1;
        for (int i = start; i < to; i++) {
            char c = value.charAt(i);
            if (c == '.') {
                if (dots == 0) {
                    headerLength = i - start;
                }
                dots++;
            } else if (!isBase64Url(c)) {
                break;
            }
        }
        return (dots == 2 || dots == 4) && headerLength >= MIN_HEADER_LENGTH;
    }

    private static boolean isTokenChar(char c) {
        return c == '.' || isBase64Url(c);
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
}
