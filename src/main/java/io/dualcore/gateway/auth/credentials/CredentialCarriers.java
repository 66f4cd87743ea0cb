package io.dualcore.gateway.auth.credentials;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Which request headers and cookies carry credentials the gateway did not verify, for one route: the configured
 * names ({@link CredentialsProperties}) and, optionally, any value shaped like a compact JWS/JWE, minus what the
 * route forwards by name. {@code Authorization} has its own rule (the route's {@code forward-authorization}) and is
 * not judged here. Compiled once at startup; finding nothing (the usual request) allocates nothing but the header
 * iteration.
 */
public final class CredentialCarriers {

    /** Headers with their own rule, never named in the lists. */
    private static final Set<String> OWN_RULE = Set.of("authorization", "cookie");

    private static final String HOST_PREFIX = "__host-";

    private static final String SECURE_PREFIX = "__secure-";

    private final CredentialNames stripHeaders;

    private final CredentialNames stripCookies;

    private final boolean jwtHeaders;

    private final boolean jwtCookies;

    private final CredentialNames forwardedHeaders;

    private final CredentialNames forwardedCookies;

    private CredentialCarriers(
            CredentialNames stripHeaders,
            CredentialNames stripCookies,
            boolean jwtHeaders,
            boolean jwtCookies,
            CredentialNames forwardedHeaders,
            CredentialNames forwardedCookies) {
        this.stripHeaders = stripHeaders;
        this.stripCookies = stripCookies;
        this.jwtHeaders = jwtHeaders;
        this.jwtCookies = jwtCookies;
        this.forwardedHeaders = forwardedHeaders;
        this.forwardedCookies = forwardedCookies;
    }

    /**
     * The gateway-wide rule, forwarding nothing.
     *
     * @throws IllegalStateException naming the property and the problem
     */
    public static CredentialCarriers of(CredentialsProperties properties) {
        Assert.notNull(properties, "properties cannot be null");
        String where = "dualcore.credentials";
        return new CredentialCarriers(
                headers(where + ".strip-headers", properties.stripHeaders()),
                cookies(where + ".strip-cookies", properties.stripCookies()),
                properties.stripJwtHeaders(),
                properties.stripJwtCookies(),
                CredentialNames.of(CredentialNames.Kind.HEADER, List.of()),
                CredentialNames.of(CredentialNames.Kind.COOKIE, List.of()));
    }

    /**
     * This rule for a route that forwards some credential headers and cookies to its upstream as they came.
     *
     * @param where the route's property prefix ({@code dualcore.routes.<id>.forward-credentials}), named in errors
     * @throws IllegalStateException naming the property and the problem
     */
    public CredentialCarriers forwarding(String where, List<String> headers, List<String> cookies) {
        if (headers.isEmpty() && cookies.isEmpty()) {
            return this;
        }
        return new CredentialCarriers(
                this.stripHeaders,
                this.stripCookies,
                this.jwtHeaders,
                this.jwtCookies,
                headers(where + ".headers", headers),
                cookies(where + ".cookies", cookies));
    }

    private static CredentialNames headers(String property, List<String> names) {
        for (String name : names) {
            String folded = (name != null) ? name.strip().toLowerCase(Locale.ROOT) : "";
            if (folded.isEmpty() || folded.equals("*")) {
                throw new IllegalStateException(property + " contains an empty entry (or a bare '*')");
            }
            if (OWN_RULE.contains(folded)) {
                throw new IllegalStateException(property + ": '" + name + "' has its own rule: use"
                        + " dualcore.routes.<id>.forward-authorization for Authorization, and name cookies in"
                        + " forward-credentials.cookies");
            }
        }
        return CredentialNames.of(CredentialNames.Kind.HEADER, names);
    }

    private static CredentialNames cookies(String property, List<String> names) {
        for (String name : names) {
            if (name == null || name.isBlank() || name.strip().equals("*")) {
                throw new IllegalStateException(property + " contains an empty entry (or a bare '*')");
            }
        }
        return CredentialNames.of(CredentialNames.Kind.COOKIE, names);
    }

    /**
     * Whether a header is a credential header of the configured list (or {@code Authorization},
     * {@code Proxy-Authorization}, {@code Cookie}), however spelled; what a route forwards does not change it.
     */
    public boolean isCredentialHeader(String name) {
        String folded = name.strip().replace('_', '-').toLowerCase(Locale.ROOT);
        return OWN_RULE.contains(folded) || folded.equals("proxy-authorization") || this.stripHeaders.matches(name);
    }

    /**
     * The credential headers and cookies the client sent with a request that must not reach the upstream: read from
     * the headers as Reactor Netty decoded them (what the client sent, one pass without copies), else from the
     * request's headers.
     *
     * @return what to remove, or {@code null} when the request carries none (the usual case)
     */
    public ClientCredentials find(ServerHttpRequest request) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        } catch (IllegalStateException none) {
            // a request without a server behind it (a mock)
            nativeRequest = null;
        }
        if (nativeRequest instanceof HttpServerRequest netty) {
            return find(netty.requestHeaders());
        }
        return find(request.getHeaders());
    }

    /**
     * The credential headers and cookies among Reactor Netty's request headers that must not reach the upstream.
     * Allocates nothing but the iterator when there are none.
     *
     * @return what to remove, or {@code null} when there are none
     */
    public ClientCredentials find(io.netty.handler.codec.http.HttpHeaders headers) {
        Found found = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = entries.next();
            found = judge(found, header.getKey(), header.getValue());
        }
        return (found != null) ? found.credentials() : null;
    }

    /**
     * The credential headers and cookies among a request's headers that must not reach the upstream.
     *
     * @return what to remove, or {@code null} when there are none
     */
    public ClientCredentials find(HttpHeaders headers) {
        Found found = null;
        for (Map.Entry<String, List<String>> header : headers.headerSet()) {
            for (String value : header.getValue()) {
                found = judge(found, header.getKey(), value);
            }
        }
        return (found != null) ? found.credentials() : null;
    }

    /** Judges one header line; returns {@code found}, created when this line is the first to remove. */
    private Found judge(Found found, CharSequence name, CharSequence value) {
        if (isNamed(name, HttpHeaders.AUTHORIZATION)) {
            return found;
        }
        if (isNamed(name, HttpHeaders.COOKIE)) {
            String cookies = value.toString();
            String kept = withoutCredentialCookies(cookies);
            if (kept == cookies) {
                return found;
            }
            found = (found != null) ? found : new Found();
            found.cookiesSent.add(cookies);
            found.cookiesKept.add(kept);
            return found;
        }
        if (!stripsHeader(name, value)) {
            return found;
        }
        found = (found != null) ? found : new Found();
        found.headers
                .computeIfAbsent(name.toString(), key -> new ArrayList<>(1))
                .add(value.toString());
        return found;
    }

    private static boolean isNamed(CharSequence name, String expected) {
        return name.length() == expected.length() && name.toString().equalsIgnoreCase(expected);
    }

    /**
     * Whether a header line other than {@code Authorization} and {@code Cookie} must not reach the upstream: a listed
     * name, or a value with a JWS/JWE, unless the route forwards the name.
     */
    boolean stripsHeader(CharSequence name, CharSequence value) {
        if (!this.forwardedHeaders.isEmpty() && this.forwardedHeaders.matches(name)) {
            return false;
        }
        return this.stripHeaders.matches(name) || (this.jwtHeaders && JwtShape.in(value));
    }

    /** What one request carries, collected once something is to be removed. */
    private static final class Found {

        final Map<String, List<String>> headers = new LinkedHashMap<>();

        final List<String> cookiesSent = new ArrayList<>(1);

        final List<String> cookiesKept = new ArrayList<>(1);

        ClientCredentials credentials() {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            this.headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
            return new ClientCredentials(
                    Collections.unmodifiableMap(copy), List.copyOf(this.cookiesSent), List.copyOf(this.cookiesKept));
        }
    }

    /**
     * A {@code Cookie} header value without its credential cookies: the others keep their bytes, joined by
     * {@code "; "}.
     *
     * @return the same instance when nothing is removed, else the remaining pairs (empty when none remain)
     */
    public String withoutCredentialCookies(String cookieHeader) {
        int length = cookieHeader.length();
        boolean any = false;
        for (int start = 0; start <= length; ) {
            int end = pairEnd(cookieHeader, start);
            if (isCredentialPair(cookieHeader, start, end)) {
                any = true;
                break;
            }
            start = end + 1;
        }
        if (!any) {
            return cookieHeader;
        }
        StringBuilder kept = new StringBuilder(length);
        for (int start = 0; start <= length; ) {
            int end = pairEnd(cookieHeader, start);
            if (!isCredentialPair(cookieHeader, start, end)) {
                int from = start;
                int to = end;
                while (from < to && isWhitespace(cookieHeader.charAt(from))) {
                    from++;
                }
                while (to > from && isWhitespace(cookieHeader.charAt(to - 1))) {
                    to--;
                }
                if (from < to) {
                    if (!kept.isEmpty()) {
                        kept.append("; ");
                    }
                    kept.append(cookieHeader, from, to);
                }
            }
            start = end + 1;
        }
        return kept.toString();
    }

    private static int pairEnd(String header, int start) {
        int end = header.indexOf(';', start);
        return (end < 0) ? header.length() : end;
    }

    /**
     * Whether one {@code ;}-separated pair carries a credential: a listed name, also in any {@code ,}-separated part
     * (RFC 2965 servers split there too), or a JWS/JWE in its value; unless the route forwards the pair's name.
     */
    private boolean isCredentialPair(String header, int from, int to) {
        boolean forwarded = false;
        for (int part = from; part <= to; ) {
            int partEnd = indexOf(header, ',', part, to);
            boolean partForwarded =
                    !this.forwardedCookies.isEmpty() && nameIn(this.forwardedCookies, header, part, partEnd);
            if (part == from) {
                forwarded = partForwarded;
            }
            if (!partForwarded && nameIn(this.stripCookies, header, part, partEnd)) {
                return true;
            }
            part = partEnd + 1;
        }
        return this.jwtCookies && !forwarded && JwtShape.in(header, from, to);
    }

    /** Whether the name of the pair {@code header[from, to)} is in the set, read as lenient servers read it. */
    private static boolean nameIn(CredentialNames names, String header, int from, int to) {
        int end = indexOf(header, '=', from, to);
        while (from < end && isWhitespace(header.charAt(from))) {
            from++;
        }
        if (header.regionMatches(true, from, HOST_PREFIX, 0, HOST_PREFIX.length())) {
            from += HOST_PREFIX.length();
        } else if (header.regionMatches(true, from, SECURE_PREFIX, 0, SECURE_PREFIX.length())) {
            from += SECURE_PREFIX.length();
        }
        if (indexOf(header, '%', from, end) < end) {
            return names.matches(decode(header.substring(from, end)));
        }
        return names.matches(header, from, end);
    }

    /** The first {@code c} in {@code text[from, to)}, else {@code to}: never scans past the pair. */
    private static int indexOf(String text, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return to;
    }

    private static String decode(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return name;
        }
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    @Override
    public String toString() {
        return "strip headers " + this.stripHeaders + (this.jwtHeaders ? " and JWT-shaped ones" : "")
                + ", strip cookies " + this.stripCookies + (this.jwtCookies ? " and JWT-shaped ones" : "")
                + (this.forwardedHeaders.isEmpty() ? "" : ", forward headers " + this.forwardedHeaders)
                + (this.forwardedCookies.isEmpty() ? "" : ", forward cookies " + this.forwardedCookies);
    }
}
