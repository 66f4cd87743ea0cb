package io.dualcore.gateway.forwardauth;

import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PeerAllowList;
import io.dualcore.gateway.web.ProblemResponses;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;
import reactor.core.publisher.Mono;

/**
 * The forward-auth door: reconstructs the original request from what the proxy sends, asks the
 * {@link DecisionEngine}, and answers without proxying: {@code 200} with the identity headers the upstream must get
 * (the gateway's own names and encoding), or the gateway's problem response (status, {@code WWW-Authenticate},
 * {@code Retry-After}, {@code RateLimit} headers, problem body). Never reads a body.
 *
 * <ul>
 *   <li>{@code /nginx}: nginx {@code auth_request}; the original request in {@code X-Original-Method},
 *       {@code X-Original-URI}, {@code X-Original-Host}, {@code X-Original-Proto}, the client in {@code X-Real-IP};
 *       a refusal is answered {@code 401} with the real answer encoded in {@code X-Dualcore-Denial}, which the
 *       shipped configuration hands to {@code /nginx/denied} (nginx passes only 401 and 403 of an auth request);
 *   <li>{@code /traefik}, {@code /caddy}: {@code X-Forwarded-Method}, {@code X-Forwarded-Uri},
 *       {@code X-Forwarded-Host}, {@code X-Forwarded-Proto}, the client the last {@code X-Forwarded-For} entry;
 *   <li>{@code <envoy-path-prefix>/<original path>}: Envoy {@code ext_authz} HTTP; the original method is the
 *       request's, the original {@code Host} the request's, the client the last {@code X-Forwarded-For} entry.
 * </ul>
 */
public final class ForwardAuthHandler implements WebHandler {

    /** On nginx's door, the refusal to answer, for {@code /nginx/denied}. */
    static final String DENIAL_HEADER = "X-Dualcore-Denial";

    private static final int MAX_METHOD_LENGTH = 32;

    private static final List<String> FORWARDING_PREFIXES = List.of("x-original-", "x-forwarded-");

    private static final List<String> FORWARDING_HEADERS = List.of(
            "x-real-ip",
            "forwarded",
            DENIAL_HEADER.toLowerCase(Locale.ROOT),
            HttpHeaders.CONTENT_LENGTH.toLowerCase(Locale.ROOT),
            HttpHeaders.TRANSFER_ENCODING.toLowerCase(Locale.ROOT));

    private final DecisionEngine engine;

    private final ProblemResponses problems;

    private final PeerAllowList trustedProxies;

    private final String envoyPrefix;

    public ForwardAuthHandler(DecisionEngine engine, ProblemResponses problems, DecisionApiProperties settings) {
        Assert.notNull(engine, "engine cannot be null");
        Assert.notNull(problems, "problems cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        this.engine = engine;
        this.problems = problems;
        this.trustedProxies = PeerAllowList.of("dualcore.decision-api.trusted-proxies", settings.trustedProxies());
        String prefix = settings.envoyPathPrefix();
        this.envoyPrefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        Assert.isTrue(
                this.envoyPrefix.startsWith("/") && !this.envoyPrefix.isEmpty(),
                "dualcore.decision-api.envoy-path-prefix must be a path such as /envoy, not '" + prefix + "'");
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        if (!trusted(request.getRemoteAddress())) {
            return this.problems.write(
                    exchange, ErrorCode.UNTRUSTED_PROXY, "This peer may not ask for decisions", null);
        }
        String path = request.getPath().value();
        HttpHeaders headers = request.getHeaders();
        DecisionRequest original;
        try {
            if (path.equals("/nginx")) {
                original = describe(
                        "nginx",
                        headers.getFirst("X-Original-Method"),
                        headers.getFirst("X-Original-URI"),
                        headers.getFirst("X-Original-Proto"),
                        first(headers.getFirst("X-Original-Host"), headers.getFirst(HttpHeaders.HOST)),
                        headers.getFirst("X-Real-IP"),
                        headers);
            } else if (path.equals("/nginx/denied")) {
                return denied(exchange, headers.getFirst(DENIAL_HEADER));
            } else if (path.equals("/traefik") || path.equals("/caddy")) {
                original = describe(
                        path.substring(1),
                        headers.getFirst("X-Forwarded-Method"),
                        headers.getFirst("X-Forwarded-Uri"),
                        headers.getFirst("X-Forwarded-Proto"),
                        first(headers.getFirst("X-Forwarded-Host"), headers.getFirst(HttpHeaders.HOST)),
                        lastForwardedFor(headers),
                        headers);
            } else if (path.startsWith(this.envoyPrefix + "/")) {
                String raw = request.getURI().getRawPath().substring(this.envoyPrefix.length());
                String query = request.getURI().getRawQuery();
                original = describe(
                        "envoy-http",
                        request.getMethod().name(),
                        (query != null) ? raw + "?" + query : raw,
                        headers.getFirst("X-Forwarded-Proto"),
                        headers.getFirst(HttpHeaders.HOST),
                        lastForwardedFor(headers),
                        headers);
            } else {
                return this.problems.write(exchange, ErrorCode.NO_ROUTE, "No decision endpoint at this path", null);
            }
        } catch (MissingOriginal ex) {
            return this.problems.write(exchange, ErrorCode.ORIGINAL_REQUEST_MISSING, ex.getMessage(), null);
        }
        return this.engine.decide(exchange, original).flatMap(decision -> answer(exchange, decision));
    }

    private Mono<Void> answer(ServerWebExchange exchange, Decision decision) {
        ServerHttpResponse response = exchange.getResponse();
        response.getHeaders().addAll(decision.responseHeaders());
        if (decision.allowed()) {
            response.setStatusCode(HttpStatus.OK);
            response.getHeaders().addAll(decision.upstreamHeaders());
            response.getHeaders().setCacheControl("no-store");
            return response.setComplete();
        }
        Decision.Problem problem = decision.problem();
        if ("nginx".equals(decision.door())) {
            response.getHeaders().set(DENIAL_HEADER, Denial.encode(problem, decision.path()));
            response.setStatusCode(HttpStatus.UNAUTHORIZED);
            return response.setComplete();
        }
        return write(exchange, decision.path(), problem);
    }

    /** nginx's second call: the refusal its auth request got, answered with its real status and body. */
    private Mono<Void> denied(ServerWebExchange exchange, String denial) {
        Denial decoded = Denial.decode(denial);
        if (decoded == null) {
            return this.problems.write(
                    exchange, ErrorCode.ORIGINAL_REQUEST_MISSING, "No refusal to answer in " + DENIAL_HEADER, null);
        }
        exchange.getResponse().getHeaders().addAll(decoded.responseHeaders());
        return write(exchange, decoded.path(), decoded.problem());
    }

    private Mono<Void> write(ServerWebExchange exchange, String path, Decision.Problem problem) {
        ServerWebExchange answered = exchange;
        if (path != null) {
            // the problem's instance is the original request's canonical path, not the decision endpoint
            answered = exchange.mutate().request(r -> r.path(path)).build();
        }
        if (problem.retryAfter() >= 0) {
            return this.problems.write(
                    answered, problem.code(), problem.detail(), problem.scope(), problem.retryAfter());
        }
        return this.problems.write(answered, problem.code(), problem.detail(), problem.scope());
    }

    private static DecisionRequest describe(
            String door, String method, String uri, String proto, String host, String client, HttpHeaders headers) {
        if (uri == null || uri.isEmpty()) {
            throw new MissingOriginal("The " + door + " request does not carry the original URI");
        }
        if (method == null || method.isEmpty()) {
            throw new MissingOriginal("The " + door + " request does not carry the original method");
        }
        if (method.length() > MAX_METHOD_LENGTH || !isToken(method)) {
            throw new MissingOriginal("The original method is not a method name");
        }
        String scheme = (proto == null) ? "http" : proto.toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new MissingOriginal("The original scheme is neither http nor https");
        }
        HttpHeaders original = new HttpHeaders();
        headers.forEach((name, values) -> {
            if (!isForwarding(name)) {
                original.addAll(name, values);
            }
        });
        return new DecisionRequest(
                door, HttpMethod.valueOf(method), uri, scheme, host, original, clientAddress(client));
    }

    private static boolean isForwarding(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String prefix : FORWARDING_PREFIXES) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return FORWARDING_HEADERS.contains(lower);
    }

    private static boolean isToken(String method) {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static String first(String value, String fallback) {
        return (value != null && !value.isEmpty()) ? value : fallback;
    }

    /** The entry the proxy appended: the earlier ones are the client's own claims. */
    private static String lastForwardedFor(HttpHeaders headers) {
        List<String> values = headers.get("X-Forwarded-For");
        if (values == null || values.isEmpty()) {
            return null;
        }
        String last = values.get(values.size() - 1);
        int comma = last.lastIndexOf(',');
        return last.substring(comma + 1).trim();
    }

    /** An address literal only (never a name to resolve), else unknown. */
    private static InetSocketAddress clientAddress(String value) {
        if (value == null || value.isEmpty() || value.length() > 64) {
            return null;
        }
        String literal =
                (value.startsWith("[") && value.endsWith("]")) ? value.substring(1, value.length() - 1) : value;
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(literal);
        return (address != null) ? new InetSocketAddress(address, 0) : null;
    }

    private boolean trusted(InetSocketAddress peer) {
        return this.trustedProxies.isEmpty() || this.trustedProxies.allows(peer);
    }

    /** The original request could not be reconstructed. */
    private static final class MissingOriginal extends RuntimeException {

        MissingOriginal(String message) {
            super(message, null, false, false);
        }
    }

    /** A refusal carried from nginx's auth request to its error location, as one header value. */
    record Denial(Decision.Problem problem, String path, HttpHeaders responseHeaders) {

        private static final char SEPARATOR = '\n';

        static String encode(Decision.Problem problem, String path) {
            String plain = problem.code().code()
                    + SEPARATOR
                    + problem.retryAfter()
                    + SEPARATOR
                    + nullToEmpty(problem.scope())
                    + SEPARATOR
                    + nullToEmpty(path)
                    + SEPARATOR
                    + problem.detail();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        static Denial decode(String value) {
            if (value == null || value.isEmpty() || value.length() > 8192) {
                return null;
            }
            String plain;
            try {
                plain = new String(Base64.getUrlDecoder().decode(value.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException ex) {
                return null;
            }
            String[] parts = plain.split(String.valueOf(SEPARATOR), 5);
            if (parts.length != 5) {
                return null;
            }
            ErrorCode code = null;
            for (ErrorCode candidate : ErrorCode.values()) {
                if (candidate.code().equals(parts[0])) {
                    code = candidate;
                }
            }
            // only a refusal: a forged denial can never become an allow
            if (code == null || code.status().value() < 400) {
                return null;
            }
            long retryAfter;
            try {
                retryAfter = Long.parseLong(parts[1]);
            } catch (NumberFormatException ex) {
                return null;
            }
            String path = parts[3].isEmpty() ? null : parts[3];
            if (path != null && (!path.startsWith("/") || path.indexOf('?') >= 0)) {
                return null;
            }
            return new Denial(
                    new Decision.Problem(code, parts[4], parts[2].isEmpty() ? null : parts[2], retryAfter),
                    path,
                    new HttpHeaders());
        }

        private static String nullToEmpty(String value) {
            return (value != null) ? value : "";
        }
    }
}
