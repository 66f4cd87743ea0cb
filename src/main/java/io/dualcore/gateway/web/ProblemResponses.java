package io.dualcore.gateway.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsConfigurationSource;
import org.springframework.web.cors.reactive.CorsProcessor;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.cors.reactive.DefaultCorsProcessor;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that writes the gateway's error responses: the RFC 6750 {@code WWW-Authenticate} challenge where
 * one belongs, and an RFC 9457 {@code application/problem+json} body whose {@code code} member is stable.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3">RFC 6750 §3</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457</a>
 */
public final class ProblemResponses {

    /** Problem type URIs are this prefix followed by the code. */
    public static final String PROBLEM_TYPE_PREFIX = "urn:dualcore:problem:";

    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private final JsonMapper json = JsonMapper.builder().build();

    private final String realm;

    private final long retryAfterSeconds;

    private final CorsConfigurationSource cors;

    private final String dpopAlgs;

    private final CorsProcessor corsProcessor = new DefaultCorsProcessor();

    public ProblemResponses(String realm, long retryAfterSeconds) {
        this(realm, retryAfterSeconds, null);
    }

    /**
     * @param cors the CORS configuration of cross-origin requests, or {@code null}: a problem written before route
     *     matching (a 401 of the authentication step) gets the CORS headers here, since Spring Cloud Gateway's own
     *     CORS processing runs only when a route is matched
     */
    public ProblemResponses(String realm, long retryAfterSeconds, CorsConfigurationSource cors) {
        this(realm, retryAfterSeconds, cors, null);
    }

    /**
     * @param dpopAlgs when some issuer uses DPoP, the accepted proof algorithms (space-separated): every challenge
     *     then also offers the {@code DPoP} scheme with {@code algs} (RFC 9449 §7.1), and a DPoP refusal is
     *     challenged with that scheme and its error; {@code null} for Bearer challenges only
     */
    public ProblemResponses(String realm, long retryAfterSeconds, CorsConfigurationSource cors, String dpopAlgs) {
        this.realm = realm;
        this.retryAfterSeconds = retryAfterSeconds;
        this.cors = cors;
        this.dpopAlgs = dpopAlgs;
    }

    /**
     * Writes an error response.
     *
     * @param scope for {@code insufficient_scope}, the scope the challenge names, else {@code null}
     */
    public Mono<Void> write(ServerWebExchange exchange, ErrorCode code, String description, String scope) {
        return write(exchange, code, description, scope, this.retryAfterSeconds);
    }

    /**
     * Writes an error response with an explicit {@code Retry-After} for 429 and 503 responses.
     *
     * @param scope for {@code insufficient_scope}, the scope the challenge names, else {@code null}
     */
    public Mono<Void> write(
            ServerWebExchange exchange, ErrorCode code, String description, String scope, long retryAfter) {
        return write(exchange, code, description, scope, retryAfter, null);
    }

    /**
     * Writes an error response whose problem body also carries the OAuth 2.0 error members ({@code error},
     * {@code error_description}, RFC 6749 §5.2): what an OAuth client of the endpoint reads, such as an OpenID
     * provider posting a back-channel logout.
     *
     * @param oauthError the {@code error} member (e.g. {@code invalid_request})
     */
    public Mono<Void> writeOAuthError(
            ServerWebExchange exchange, ErrorCode code, String description, String oauthError) {
        return write(exchange, code, description, null, this.retryAfterSeconds, oauthError);
    }

    private Mono<Void> write(
            ServerWebExchange exchange,
            ErrorCode code,
            String description,
            String scope,
            long retryAfter,
            String oauthError) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        HttpHeaders headers = response.getHeaders();
        if (this.cors != null
                && CorsUtils.isCorsRequest(exchange.getRequest())
                && !headers.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)) {
            // so a browser app can read the error; an origin the configuration does not allow gets no headers
            CorsConfiguration configuration = this.cors.getCorsConfiguration(exchange);
            if (configuration != null) {
                this.corsProcessor.process(configuration, exchange);
            }
        }
        response.setStatusCode(code.status());
        if (hasChallenge(code)) {
            if (this.dpopAlgs == null) {
                headers.set(HttpHeaders.WWW_AUTHENTICATE, challenge(code, description, scope));
            } else if (isDpop(code)) {
                headers.set(HttpHeaders.WWW_AUTHENTICATE, dpopChallenge(code, description));
            } else {
                headers.put(
                        HttpHeaders.WWW_AUTHENTICATE,
                        List.of(challenge(code, description, scope), dpopChallenge(null, null)));
            }
        }
        if (code.status().value() == 503 || code.status().value() == 429) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        }
        headers.setContentType(PROBLEM_JSON);
        headers.setCacheControl("no-store");
        DataBuffer body = response.bufferFactory()
                .wrap(body(code, description, exchange.getRequest().getPath().value(), oauthError));
        return response.writeWith(Mono.just(body));
    }

    /**
     * The problem body alone, for answers the HTTP server writes before a request reaches the filters (an
     * unparseable request, a request timeout: see {@link ConnectionGuard}).
     *
     * @param instance the request path, or {@code null} when none was read
     */
    public byte[] body(ErrorCode code, String description, String instance) {
        return body(code, description, instance, null);
    }

    private byte[] body(ErrorCode code, String description, String instance, String oauthError) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", PROBLEM_TYPE_PREFIX + code.code());
        problem.put("title", code.title());
        problem.put("status", code.status().value());
        problem.put("detail", description);
        problem.put("code", code.code());
        if (instance != null) {
            problem.put("instance", instance);
        }
        if (oauthError != null) {
            problem.put("error", oauthError);
            problem.put("error_description", description);
        }
        return this.json.writeValueAsBytes(problem);
    }

    /**
     * A Bearer challenge belongs to every 401, and to a 400 or 403 only when it is about the bearer token (it has
     * an RFC 6750 error): a refused path or request-target says nothing about credentials.
     */
    static boolean hasChallenge(ErrorCode code) {
        int status = code.status().value();
        return status == 401 || ((status == 400 || status == 403) && code.bearerError() != null);
    }

    private String challenge(ErrorCode code, String description, String scope) {
        StringBuilder challenge =
                new StringBuilder("Bearer realm=\"").append(this.realm).append('"');
        if (code.bearerError() != null) {
            challenge.append(", error=\"").append(code.bearerError()).append('"');
            challenge
                    .append(", error_description=\"")
                    .append(quotable(description))
                    .append('"');
            if (scope != null) {
                challenge.append(", scope=\"").append(quotable(scope)).append('"');
            }
        }
        return challenge.toString();
    }

    /** The refusals about a DPoP proof or binding: challenged with the {@code DPoP} scheme alone. */
    static boolean isDpop(ErrorCode code) {
        return code == ErrorCode.INVALID_DPOP_PROOF
                || code == ErrorCode.DPOP_PROOF_REPLAYED
                || code == ErrorCode.DPOP_KEY_MISMATCH
                || code == ErrorCode.DPOP_BOUND_TOKEN
                || code == ErrorCode.DPOP_REQUIRED
                || code == ErrorCode.USE_DPOP_NONCE;
    }

    /** RFC 9449 §7.1: {@code DPoP algs="...", error="...", error_description="..."}. */
    private String dpopChallenge(ErrorCode code, String description) {
        StringBuilder challenge =
                new StringBuilder("DPoP algs=\"").append(this.dpopAlgs).append('"');
        if (code != null && code.bearerError() != null) {
            challenge.append(", error=\"").append(code.bearerError()).append('"');
            challenge
                    .append(", error_description=\"")
                    .append(quotable(description))
                    .append('"');
        }
        return challenge.toString();
    }

    /** RFC 6750 §3: error_description and scope allow %x20-21 / %x23-5B / %x5D-7E only. */
    static String quotable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append((c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') ? c : '?');
        }
        return out.toString();
    }
}
