package io.dualcore.gateway.web;

import java.util.List;

/**
 * Request-target hygiene (RFC 9112 §3.2): which forms of request-target and {@code Host} the gateway accepts. It is a
 * reverse proxy, so only the origin form ({@code /path?query}) is served, plus an absolute form whose authority is
 * the {@code Host} the request carries (RFC 9112 §3.2.2 requires accepting it); everything else is refused with 400
 * {@code invalid_request_target} and never forwarded.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9112#section-3.2">RFC 9112 §3.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9110#section-7.2">RFC 9110 §7.2 (Host)</a>
 */
public final class RequestTarget {

    private RequestTarget() {}

    /**
     * Checks a request-target and its {@code Host} header values.
     *
     * @param target the request-target as received on the request line ({@code null}: unknown, not checked)
     * @param hosts every {@code Host} header value of the request
     * @param hostRequired whether a missing {@code Host} is an error (HTTP/1.1 and later)
     * @return {@code null} when acceptable, else why not (the problem response's {@code detail})
     */
    public static String problem(String target, List<String> hosts, boolean hostRequired) {
        if (hosts.size() > 1) {
            return "several Host headers";
        }
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (host == null) {
            if (hostRequired) {
                return "no Host header";
            }
        } else if (!isAuthority(host)) {
            return "the Host header is not a valid host[:port]";
        }
        if (target == null) {
            return null;
        }
        if (target.isEmpty()) {
            return "empty request-target";
        }
        if (target.indexOf('#') >= 0) {
            // RFC 9112 §3.2: a request-target has no fragment; servers disagree about where such a path ends
            return "a fragment ('#') in the request-target";
        }
        if (target.charAt(0) == '/') {
            return null;
        }
        if ("*".equals(target)) {
            return "asterisk-form request-target: this gateway serves only resources";
        }
        int authorityStart = schemeEnd(target);
        if (authorityStart < 0) {
            return "authority-form or unknown request-target: this gateway is not a forward proxy";
        }
        int pathStart = target.indexOf('/', authorityStart);
        if (pathStart < 0) {
            return "absolute-form request-target without a path";
        }
        String authority = target.substring(authorityStart, pathStart);
        if (!isAuthority(authority)) {
            return "absolute-form request-target with an invalid authority";
        }
        if (host == null || !authority.equalsIgnoreCase(host)) {
            return "absolute-form request-target for another host than the Host header";
        }
        return null;
    }

    /** The index after {@code http://} or {@code https://} (any case), or -1. */
    private static int schemeEnd(String target) {
        if (target.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        if (target.regionMatches(true, 0, "https://", 0, 8)) {
            return 8;
        }
        return -1;
    }

    /**
     * RFC 3986 {@code host [":" port]} without user information: a registered name of unreserved characters, an
     * IPv4 address, or a bracketed IPv6 literal; a port of 1 to 5 digits.
     */
    static boolean isAuthority(String value) {
        int length = value.length();
        if (length == 0 || length > 255) {
            return false;
        }
        int i = 0;
        if (value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = value.charAt(i);
                if (!(isHexDigit(c) || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            for (; i < length && value.charAt(i) != ':'; i++) {
                char c = value.charAt(i);
                if (!(isAlphaNumeric(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
                    return false;
                }
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == length) {
            return true;
        }
        if (value.charAt(i) != ':' || length - i - 1 < 1 || length - i - 1 > 5) {
            return false;
        }
        for (i++; i < length; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphaNumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
