package io.dualcore.gateway.explain;

import io.dualcore.gateway.decision.DecisionExplainer;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /admin/explain} on the management port, for an authenticated admin (the {@link AdminCheck} the
 * configuration wires: the revocation API's admin authentication): explains the gateway's decision about a described request against the running configuration
 * ({@link DecisionExplainer}), as JSON. The body:
 *
 * <pre>{"method": "GET", "path": "/api/orders?x=1", "token": "eyJ...",
 *  "headers": {"DPoP": "...", "X-Tenant": "..."}, "host": "app.example", "scheme": "https", "client": "203.0.113.9"}</pre>
 *
 * {@code token} becomes {@code Authorization: Bearer <token>}; a request's own {@code Authorization} may come in
 * {@code headers} instead. No side effects beyond one audit line ({@code event.action: explain}, the admin as
 * {@code user.id}): no rate-limit token taken, no replay cache written, no decision metrics. Tokens are never echoed.
 */
public final class ExplainHandler {

    /** The endpoint's path. */
    public static final String PATH = "/admin/explain";

    private static final Logger audit = LoggerFactory.getLogger("dualcore.audit");

    private static final int MAX_BODY = 32 * 1024;

    private static final List<String> MEMBERS =
            List.of("method", "path", "token", "headers", "host", "scheme", "client");

    private final JsonMapper json = JsonMapper.builder().build();

    private final AdminCheck admins;

    private final DecisionExplainer explainer;

    private final ProblemResponses errors;

    public ExplainHandler(AdminCheck admins, DecisionExplainer explainer, ProblemResponses errors) {
        Assert.notNull(admins, "admins cannot be null");
        Assert.notNull(explainer, "explainer cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        this.admins = admins;
        this.explainer = explainer;
        this.errors = errors;
    }

    public Mono<ServerResponse> explain(ServerRequest request) {
        ServerHttpRequest raw = request.exchange().getRequest();
        return this.admins
                .admin(raw)
                .flatMap(admin -> {
                    MediaType type = raw.getHeaders().getContentType();
                    if (type == null || !MediaType.APPLICATION_JSON.equalsTypeAndSubtype(type)) {
                        return problem(
                                ErrorCode.UNSUPPORTED_MEDIA_TYPE, "An explain request is posted as application/json");
                    }
                    if (raw.getHeaders().getContentLength() > MAX_BODY) {
                        return problem(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
                    }
                    return DataBufferUtils.join(raw.getBody(), MAX_BODY)
                            .map(buffer -> {
                                byte[] bytes = new byte[buffer.readableByteCount()];
                                buffer.read(bytes);
                                DataBufferUtils.release(buffer);
                                return bytes;
                            })
                            .defaultIfEmpty(new byte[0])
                            .map(this::describe)
                            .flatMap(described -> explained(request, admin, described))
                            .onErrorResume(
                                    DataBufferLimitException.class,
                                    ex -> problem(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large"))
                            .onErrorResume(
                                    IllegalArgumentException.class,
                                    ex -> problem(ErrorCode.INVALID_MANAGEMENT_REQUEST, ex.getMessage()));
                })
                .onErrorResume(Refused.class, ex -> problem(ex.code(), ex.getMessage()));
    }

    private Mono<ServerResponse> explained(ServerRequest request, String admin, DecisionRequest described) {
        return this.explainer.explain(request.exchange(), described).flatMap(explanation -> {
            Map<String, Object> body = explanation.toMap();
            var decision = explanation.decision();
            audit.atInfo()
                    .addKeyValue("event.action", "explain")
                    .addKeyValue("event.outcome", "success")
                    .addKeyValue("user.id", admin)
                    .addKeyValue("http.request.method", described.method().name())
                    .addKeyValue("url.path", (decision.path() != null) ? decision.path() : "")
                    .addKeyValue("dualcore.route", (decision.routeId() != null) ? decision.routeId() : "")
                    .addKeyValue(
                            "dualcore.decision",
                            decision.allowed()
                                    ? "allowed"
                                    : decision.problem().code().code())
                    .log("explain " + described.method().name() + " " + decision.path() + ": "
                            + (decision.allowed()
                                    ? "allowed"
                                    : decision.problem().code().code()));
            return ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .cacheControl(CacheControl.noStore())
                    .bodyValue(this.json.writeValueAsBytes(body));
        });
    }

    private DecisionRequest describe(byte[] body) {
        Map<?, ?> fields;
        try {
            fields = (body.length == 0) ? null : this.json.readValue(body, Map.class);
        } catch (JacksonException ex) {
            throw new IllegalArgumentException("The body is not a JSON object");
        }
        if (fields == null) {
            throw new IllegalArgumentException("The body is not a JSON object");
        }
        for (Object name : fields.keySet()) {
            if (!MEMBERS.contains(name)) {
                throw new IllegalArgumentException("Unknown member; expected " + String.join(", ", MEMBERS));
            }
        }
        String method = text(fields, "method");
        method = (method != null) ? method.toUpperCase(Locale.ROOT) : "GET";
        if (method.isEmpty() || method.length() > 32 || !method.chars().allMatch(Character::isLetter)) {
            throw new IllegalArgumentException("method must be an HTTP method name such as GET");
        }
        String path = text(fields, "path");
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("path is required (the original path with query, e.g. /api/orders)");
        }
        String scheme = text(fields, "scheme");
        scheme = (scheme != null) ? scheme.toLowerCase(Locale.ROOT) : "http";
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("scheme must be http or https");
        }
        HttpHeaders headers = new HttpHeaders();
        Object given = fields.get("headers");
        if (given != null) {
            if (!(given instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("headers must be an object of names and string values");
            }
            for (Map.Entry<?, ?> header : map.entrySet()) {
                if (!(header.getKey() instanceof String name)
                        || name.isEmpty()
                        || !(header.getValue() instanceof String value)) {
                    throw new IllegalArgumentException("headers must be an object of names and string values");
                }
                headers.add(name, value);
            }
        }
        String token = text(fields, "token");
        if (token != null) {
            if (headers.containsHeader(HttpHeaders.AUTHORIZATION)) {
                throw new IllegalArgumentException("Give token or an Authorization header, not both");
            }
            headers.setBearerAuth(token.strip());
        }
        return new DecisionRequest(
                DecisionExplainer.DOOR,
                HttpMethod.valueOf(method),
                path,
                scheme,
                text(fields, "host"),
                headers,
                client(text(fields, "client")));
    }

    private static InetSocketAddress client(String value) {
        if (value == null) {
            return null;
        }
        InetAddress address = (value.length() <= 64) ? NetUtil.createInetAddressFromIpAddressString(value) : null;
        if (address == null) {
            throw new IllegalArgumentException("client must be an IP address literal");
        }
        return new InetSocketAddress(address, 0);
    }

    private static String text(Map<?, ?> fields, String name) {
        Object value = fields.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        return text;
    }

    private Mono<ServerResponse> problem(ErrorCode code, String description) {
        return ServerResponse.status(code.status())
                .build((exchange, context) -> this.errors.write(exchange, code, description, null));
    }

    /** Who may explain: the management port's admin authentication, wired by the configuration. */
    @FunctionalInterface
    public interface AdminCheck {

        /**
         * @return the admin's subject (the audit line's actor), or an error signal carrying a {@link Refused}: 401
         *     without or with a bad token, 403 without the admin role
         */
        Mono<String> admin(ServerHttpRequest request);
    }

    /** The admin check's refusal, answered with its code. */
    public static final class Refused extends RuntimeException {

        private final ErrorCode code;

        public Refused(ErrorCode code, String description) {
            super(description, null, false, false);
            this.code = code;
        }

        public ErrorCode code() {
            return this.code;
        }
    }
}
