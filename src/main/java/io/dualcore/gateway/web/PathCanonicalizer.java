package io.dualcore.gateway.web;

import io.dualcore.gateway.web.RejectedPathException.Reason;
import io.dualcore.gateway.web.RequestPathProperties.EscapedSlashesAction;
import io.dualcore.gateway.web.RequestPathProperties.PathParametersAction;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.Assert;

/**
 * Turns the raw path of a request (as received: percent-encoded, without the query) into its canonical form, or
 * refuses it. The canonical form is what every later step judges and what the upstream receives, so an upstream
 * that normalizes paths itself (Tomcat, Spring MVC, nginx) serves exactly the resource the policy allowed.
 *
 * <p>Following Envoy's model: RFC 3986 §6.2.2 normalization (percent-encoded unreserved characters decoded, dot
 * segments resolved, remaining escapes uppercased), merged slashes, and a policy for escaped slashes and path
 * parameters. Always refused: a {@code ..} above the root, NUL and control characters (raw or encoded), characters
 * that must be percent-encoded, malformed escapes, invalid or overlong UTF-8, and {@code %25} double-encoding of a
 * character that matters to a path ({@code %252e}, {@code %252f}, {@code %2500}, ...).
 *
 * <p>An already-canonical path, the common case, is recognized in one pass over its characters and returned as the
 * same instance, without allocating.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2">RFC 3986 §6.2.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4">RFC 3986 §5.2.4 (remove_dot_segments)</a>
 */
public final class PathCanonicalizer {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Characters allowed unencoded in a canonical path segment: RFC 3986 pchar, except {@code ;} and {@code %}. */
    private static final boolean[] SEGMENT_CHAR = new boolean[128];

    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
            UNRESERVED[c - 'a' + 'A'] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
        System.arraycopy(UNRESERVED, 0, SEGMENT_CHAR, 0, 128);
        for (char c : "!$&'()*+,=:@".toCharArray()) {
            SEGMENT_CHAR[c] = true;
        }
    }

    private final boolean normalizePath;

    private final boolean mergeSlashes;

    private final EscapedSlashesAction escapedSlashes;

    private final PathParametersAction pathParameters;

    /** ASCII bytes whose uppercase percent-escape is already canonical under these settings. */
    private final boolean[] canonicalEscape = new boolean[128];

    public PathCanonicalizer(RequestPathProperties settings) {
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(settings.escapedSlashes(), "escapedSlashes cannot be null");
        Assert.notNull(settings.pathParameters(), "pathParameters cannot be null");
        this.normalizePath = settings.normalizePath();
        this.mergeSlashes = settings.mergeSlashes();
        this.escapedSlashes = settings.escapedSlashes();
        this.pathParameters = settings.pathParameters();
        for (int b = 0x20; b < 0x7f; b++) {
            // unreserved bytes are decoded, ';' is refused, '%' needs the double-encoding check
            this.canonicalEscape[b] = !UNRESERVED[b] && b != ';' && b != '%' && b != '/' && b != '\\';
        }
        boolean keepSlashes = this.escapedSlashes == EscapedSlashesAction.KEEP;
        this.canonicalEscape['/'] = keepSlashes;
        this.canonicalEscape['\\'] = keepSlashes;
    }

    /**
     * The canonical form of a raw request path.
     *
     * @param rawPath the path as received, percent-encoded, without the query
     * @return the canonical path; {@code rawPath} itself when it is already canonical. With
     *     {@code escaped-slashes: unescape-and-redirect}, escaped slashes have become separators: see
     *     {@link #containsEscapedSlash(String)} for whether a redirect is due
     * @throws RejectedPathException when the path is refused
     */
    public String canonicalize(String rawPath) {
        Assert.notNull(rawPath, "rawPath cannot be null");
        if (isCanonical(rawPath)) {
            return rawPath;
        }
        String canonical = rewrite(rawPath);
        return canonical.equals(rawPath) ? rawPath : canonical;
    }

    /** Whether the raw path has a {@code %2F}, {@code %5C} (any case) or {@code \}. */
    public static boolean containsEscapedSlash(String rawPath) {
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c == '\\') {
                return true;
            }
            if (c == '%' && i + 2 < rawPath.length()) {
                int b = hexPair(rawPath, i + 1);
                if (b == '/' || b == '\\') {
                    return true;
                }
            }
        }
        return false;
    }

    /** One pass, no allocation: true only when {@link #rewrite} would return the same text. */
    boolean isCanonical(String path) {
        int length = path.length();
        if (length == 0 || path.charAt(0) != '/') {
            return false;
        }
        int segmentStart = 1;
        for (int i = 1; i < length; i++) {
            char c = path.charAt(i);
            if (c == '/') {
                if (!isCanonicalSegment(path, segmentStart, i, false)) {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c == '%') {
                if (i + 2 >= length || !isUpperHex(path.charAt(i + 1)) || !isUpperHex(path.charAt(i + 2))) {
                    return false;
                }
                int b = hexPair(path, i + 1);
                if (b >= 0x80) {
                    int end = utf8End(path, i, b);
                    if (end < 0 || !isUpperHexRun(path, i, end)) {
                        return false;
                    }
                    i = end - 1;
                    continue;
                }
                if (b == '%' ? isDoubleEncodedDanger(path, i + 3) : !this.canonicalEscape[b]) {
                    return false;
                }
                i += 2;
            } else if (c >= 0x80 || !SEGMENT_CHAR[c]) {
                return false;
            }
        }
        return isCanonicalSegment(path, segmentStart, length, true);
    }

    private boolean isCanonicalSegment(String path, int start, int end, boolean last) {
        int length = end - start;
        if (length == 0) {
            return last || !this.mergeSlashes;
        }
        if (path.charAt(start) != '.') {
            return true;
        }
        return !(length == 1 || (length == 2 && path.charAt(start + 1) == '.'));
    }

    /** The slow path: decode, check and re-encode each segment, then resolve dot segments and empty segments. */
    private String rewrite(String raw) {
        int length = raw.length();
        if (length == 0 || raw.charAt(0) != '/') {
            throw new RejectedPathException(Reason.NOT_ABSOLUTE);
        }
        List<String> segments = new ArrayList<>();
        // per segment: whether its decoded text is "." or ".." (with normalize-path off its text stays encoded)
        List<Boolean> dotSegments = new ArrayList<>();
        StringBuilder segment = new StringBuilder(length);
        int decodedLength = 0;
        boolean allDots = true;
        boolean inParameters = false;
        for (int i = 1; i <= length; i++) {
            // a virtual '/' at the end closes the last segment
            char c = (i < length) ? raw.charAt(i) : '/';
            boolean separator = c == '/';
            int start = i;
            boolean dot = false;
            if (c == '\\') {
                switch (this.escapedSlashes) {
                    case REJECT -> throw new RejectedPathException(Reason.BACKSLASH);
                    case KEEP -> {}
                    case UNESCAPE_AND_REDIRECT -> separator = true;
                }
            } else if (c == '%') {
                int b = (i + 2 < length) ? hexPair(raw, i + 1) : -1;
                if (b < 0) {
                    throw new RejectedPathException(Reason.INVALID_ESCAPE);
                }
                if (b >= 0x80) {
                    int end = utf8End(raw, i, b);
                    if (end == CONTROL) {
                        throw new RejectedPathException(Reason.CONTROL_CHARACTER);
                    }
                    if (end < 0) {
                        throw new RejectedPathException(Reason.INVALID_UTF8);
                    }
                    i = end - 1;
                } else {
                    checkEscapedAscii(raw, i, b);
                    i += 2;
                    if (b == '/' || b == '\\') {
                        switch (this.escapedSlashes) {
                            case REJECT -> throw new RejectedPathException(Reason.ESCAPED_SLASH);
                            case KEEP -> {}
                            case UNESCAPE_AND_REDIRECT -> separator = true;
                        }
                    }
                    dot = b == '.';
                }
            } else if (c == ';') {
                if (this.pathParameters == PathParametersAction.REJECT) {
                    throw new RejectedPathException(Reason.PATH_PARAMETER);
                }
                inParameters = true;
                continue;
            } else if (!separator) {
                if (c >= 0x80 || !SEGMENT_CHAR[c]) {
                    throw new RejectedPathException(invalidCharacter(c));
                }
                dot = c == '.';
            }
            if (separator) {
                segments.add(segment.toString());
                dotSegments.add(allDots && (decodedLength == 1 || decodedLength == 2));
                segment.setLength(0);
                decodedLength = 0;
                allDots = true;
                inParameters = false;
                continue;
            }
            if (inParameters) {
                continue;
            }
            appendCanonical(segment, raw, start, i + 1);
            allDots &= dot;
            decodedLength++;
        }
        String canonical = join(resolve(segments, dotSegments));
        // decoding unreserved escapes can assemble a double encoding (%25%32%65 is %252e): judge the result
        for (int at = canonical.indexOf("%25"); at >= 0; at = canonical.indexOf("%25", at + 3)) {
            if (isDoubleEncodedDanger(canonical, at + 3)) {
                throw new RejectedPathException(Reason.DOUBLE_ENCODING);
            }
        }
        return canonical;
    }

    /** Appends one character of the raw path ({@code raw[start, end)}: a character, an escape or a UTF-8 run). */
    private void appendCanonical(StringBuilder segment, String raw, int start, int end) {
        char c = raw.charAt(start);
        if (c == '\\') {
            segment.append("%5C");
        } else if (c != '%' || !this.normalizePath) {
            segment.append(raw, start, end);
        } else {
            for (int at = start; at < end; at += 3) {
                int b = hexPair(raw, at + 1);
                if (b < 0x80 && UNRESERVED[b]) {
                    segment.append((char) b);
                } else {
                    segment.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
                }
            }
        }
    }

    /** RFC 3986 §5.2.4 over whole segments, refusing a climb above the root; empty segments merged. */
    private List<String> resolve(List<String> segments, List<Boolean> dotSegments) {
        List<String> out = new ArrayList<>(segments.size());
        int last = segments.size() - 1;
        for (int k = 0; k <= last; k++) {
            String text = segments.get(k);
            if (dotSegments.get(k)) {
                if (!this.normalizePath) {
                    throw new RejectedPathException(Reason.DOT_SEGMENT);
                }
                if (text.length() == 2) {
                    if (out.isEmpty()) {
                        throw new RejectedPathException(Reason.ABOVE_ROOT);
                    }
                    out.remove(out.size() - 1);
                }
                if (k == last) {
                    out.add("");
                }
            } else if (text.isEmpty() && this.mergeSlashes && k != last) {
                continue;
            } else {
                out.add(text);
            }
        }
        return out;
    }

    private static String join(List<String> segments) {
        StringBuilder path = new StringBuilder(64);
        for (String segment : segments) {
            path.append('/').append(segment);
        }
        return (path.length() == 0) ? "/" : path.toString();
    }

    private static void checkEscapedAscii(String raw, int i, int b) {
        if (b == 0) {
            throw new RejectedPathException(Reason.NUL);
        }
        if (b < 0x20 || b == 0x7f) {
            throw new RejectedPathException(Reason.CONTROL_CHARACTER);
        }
        if (b == ';') {
            // an encoded ';' is data to RFC 3986 but a parameter delimiter to some decoders (Spring's firewall
            // refuses it as well)
            throw new RejectedPathException(Reason.PATH_PARAMETER);
        }
        if (b == '%' && isDoubleEncodedDanger(raw, i + 3)) {
            throw new RejectedPathException(Reason.DOUBLE_ENCODING);
        }
    }

    /** {@link #utf8End} for a sequence that decodes to a C1 control character. */
    private static final int CONTROL = -2;

    /**
     * Validates one UTF-8 sequence of percent-escapes starting at {@code i} whose first byte is {@code lead}, and
     * returns the index after it: -1 for an invalid sequence (overlong forms such as {@code %C0%AF}, surrogates,
     * code points above U+10FFFF, truncated or malformed), {@link #CONTROL} for a C1 control character.
     *
     * @see <a href="https://www.rfc-editor.org/rfc/rfc3629#section-4">RFC 3629 §4</a>
     */
    private static int utf8End(String raw, int i, int lead) {
        int count;
        int codePoint;
        if (lead >= 0xc2 && lead <= 0xdf) {
            count = 1;
            codePoint = lead & 0x1f;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            count = 2;
            codePoint = lead & 0x0f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            count = 3;
            codePoint = lead & 0x07;
        } else {
            return -1;
        }
        // the second byte's range rules out overlongs, surrogates and values above U+10FFFF
        int min = (lead == 0xe0) ? 0xa0 : (lead == 0xf0) ? 0x90 : 0x80;
        int max = (lead == 0xed) ? 0x9f : (lead == 0xf4) ? 0x8f : 0xbf;
        int at = i + 3;
        for (int k = 0; k < count; k++, at += 3) {
            if (at + 2 >= raw.length() || raw.charAt(at) != '%') {
                return -1;
            }
            int b = hexPair(raw, at + 1);
            if (b < min || b > max) {
                return -1;
            }
            codePoint = (codePoint << 6) | (b & 0x3f);
            min = 0x80;
            max = 0xbf;
        }
        return (codePoint >= 0x80 && codePoint <= 0x9f) ? CONTROL : at;
    }

    /** After a {@code %25}: whether the next escape, decoded a second time, would be a character that matters. */
    private static boolean isDoubleEncodedDanger(String raw, int at) {
        if (at + 1 >= raw.length()) {
            return false;
        }
        int b = hexPair(raw, at);
        return b >= 0
                && (b < 0x20 || b >= 0x7f || b == '.' || b == '/' || b == '\\' || b == ';' || b == '%' || b == '?'
                        || b == '#');
    }

    private static Reason invalidCharacter(char c) {
        if (c == 0) {
            return Reason.NUL;
        }
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
            return Reason.CONTROL_CHARACTER;
        }
        return Reason.INVALID_CHARACTER;
    }

    /** The byte of two ASCII hex digits at {@code at} and {@code at + 1} (either case), or -1. */
    private static int hexPair(String raw, int at) {
        int hi = hexDigit(raw.charAt(at));
        int lo = hexDigit(raw.charAt(at + 1));
        return (hi < 0 || lo < 0) ? -1 : (hi << 4) | lo;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    private static boolean isUpperHexRun(String path, int start, int end) {
        for (int at = start; at < end; at += 3) {
            if (!isUpperHex(path.charAt(at + 1)) || !isUpperHex(path.charAt(at + 2))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
