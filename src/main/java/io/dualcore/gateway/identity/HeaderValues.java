package io.dualcore.gateway.identity;

import java.nio.charset.StandardCharsets;

/**
 * The one encoding of every identity header value: percent-encoding (RFC 3986 §2.1) of the value's UTF-8 bytes, where
 * only the RFC 3986 unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) and {@code :}, {@code /}, {@code @} stay as
 * they are. Every other byte, {@code %} itself, space, comma, quotes, {@code +} and all non-ASCII included, becomes
 * {@code %XX} (uppercase hex).
 *
 * <p>So the encoding is lossless and unambiguous: every value decodes with any standard percent-decoder
 * ({@code decodeURIComponent}, Python's {@code urllib.parse.unquote}, Java's {@code URLDecoder}, Go's
 * {@code url.PathUnescape}; {@code +} never appears raw, so decoders that read it as a space agree) to exactly the
 * claim it came from; two different claims never give the same value; a value never starts or ends with whitespace
 * (which HTTP parsers trim), never contains a comma or space (the list separators of {@code X-Auth-Roles} and
 * {@code X-Auth-Scopes}), and can never split or forge a header. Common values (UUIDs, user names, issuer URLs,
 * {@code client:role} names, e-mail addresses without {@code +}) read as they are.
 *
 * <p>Callers hand over only values {@link io.dualcore.gateway.auth.ClaimValues} accepted (valid UTF-16: no unpaired
 * surrogate), so the UTF-8 encoding is exact.
 */
public final class HeaderValues {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static final boolean[] PLAIN = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            PLAIN[c] = true;
            PLAIN[Character.toLowerCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            PLAIN[c] = true;
        }
        for (char c : "-._~:/@".toCharArray()) {
            PLAIN[c] = true;
        }
    }

    private HeaderValues() {}

    /** The value, percent-encoded as the class comment says; the same string when nothing needs encoding. */
    public static String encode(String value) {
        int i = 0;
        while (i < value.length() && isPlain(value.charAt(i))) {
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 16).append(value, 0, i);
        for (byte b : value.substring(i).getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 128 && PLAIN[c]) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    private static boolean isPlain(char c) {
        return c < 128 && PLAIN[c];
    }
}
