package io.dualcore.gateway.auth.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Finds the RFC 6750 {@code access_token} parameter (§2.2 form body, §2.3 query) in URL-encoded text as lenient
 * servers read it: names percent-decoded ({@code %61ccess_token}, {@code +} as space), surrounding whitespace and
 * control characters ignored, compared case-insensitively ({@code Access_Token}) with space, {@code .} and {@code [}
 * read as {@code _} (PHP rewrites them so), parameters separated by {@code &} or {@code ;}, with or without a value.
 * Only names at least as long as {@code access_token} are looked at closely, and only encoded ones are decoded, so
 * ordinary parameters cost a scan and no allocation.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2.2">RFC 6750 §2.2, §2.3</a>
 */
final class AccessTokenParameter {

    static final String NAME = "access_token";

    private AccessTokenParameter() {}

    /** Whether the URL-encoded text (a raw query or a form body) names an {@code access_token} parameter. */
    static boolean in(CharSequence text) {
        if (text == null) {
            return false;
        }
        int length = text.length();
        int start = 0;
        while (start <= length) {
            int end = start;
            int equals = -1;
            while (end < length && text.charAt(end) != '&' && text.charAt(end) != ';') {
                if (equals < 0 && text.charAt(end) == '=') {
                    equals = end;
                }
                end++;
            }
            int nameEnd = (equals >= 0) ? equals : end;
            if (nameEnd - start >= NAME.length() && isAccessToken(text, start, nameEnd)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean isAccessToken(CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '%' || c == '+') {
                String name = text.subSequence(from, to).toString();
                try {
                    name = URLDecoder.decode(name, StandardCharsets.UTF_8);
                } catch (IllegalArgumentException malformed) {
                    // as a lenient server would read it: the malformed escape stays as it is
                }
                return isNamed(name, 0, name.length());
            }
        }
        return isNamed(text, from, to);
    }

    /** Whether {@code text[from, to)}, without ignorable characters around it, folds to {@code access_token}. */
    private static boolean isNamed(CharSequence text, int from, int to) {
        while (from < to && isIgnorable(text.charAt(from))) {
            from++;
        }
        while (to > from && isIgnorable(text.charAt(to - 1))) {
            to--;
        }
        if (to - from != NAME.length()) {
            return false;
        }
        for (int i = 0; i < NAME.length(); i++) {
            char c = text.charAt(from + i);
            char n = NAME.charAt(i);
            if (n == '_' ? (c != '_' && c != ' ' && c != '.' && c != '[') : !sameIgnoringCase(c, n)) {
                return false;
            }
        }
        return true;
    }

    /** {@link String#equalsIgnoreCase} for one character (so the Kelvin sign is a {@code k}, as there). */
    private static boolean sameIgnoringCase(char c, char n) {
        return c == n
                || Character.toUpperCase(c) == Character.toUpperCase(n)
                || Character.toLowerCase(c) == Character.toLowerCase(n);
    }

    private static boolean isIgnorable(char c) {
        return c <= ' ' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
