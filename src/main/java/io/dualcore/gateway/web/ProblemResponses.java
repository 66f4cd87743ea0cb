package io.dualcore.gateway.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.Assert;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsConfigurationSource;
import org.springframework.web.cors.reactive.CorsProcessor;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.cors.reactive.DefaultCorsProcessor;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that writes the gateway's error responses: the RFC 6750 {@code WWW-Authenticate} challenge where
 * one belongs, and an RFC 9457 {@code application/problem+json} body whose {@code code} member is stable.
 *
 * <p>The body is Spring's {@link ProblemDetail} as the application's {@link JsonMapper} writes it. Since refusals are
 * on the hot path (a 401 must cost no more than a 200), the members that only depend on the {@link ErrorCode}
 * ({@code status}, {@code title}, {@code type}, {@code code}) are rendered once per code by that mapper, and only
 * {@code detail}, {@code instance} and the OAuth members are escaped per response, with Jackson's own string
 * encoder. At construction the result is checked byte for byte against the mapper's rendering of the whole
 * problem; a mapper configured so that they differ gets the whole problem serialized per response instead.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3">RFC 6750 §3</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457</a>
 */
public final class ProblemResponses {

    private static final Logger logger = LoggerFactory.getLogger(ProblemResponses.class);

    /** Problem type URIs are this prefix followed by the code. */
    public static final String PROBLEM_TYPE_PREFIX = "urn:dualcore:problem:";

    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private final JsonMapper json;

    /** Per code, its invariant members ({@code "status":…,"title":…,"type":…,"code":…}); {@code null}: no fast path. */
    private final Map<ErrorCode, byte[]> invariantMembers;

    private final String realm;

    private final long retryAfterSeconds;

    private final CorsConfigurationSource cors;

    private final String dpopAlgs;

    private final Predicate<ServerWebExchange> dpopOffered;

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
        this(realm, retryAfterSeconds, cors, dpopAlgs, defaultJsonMapper());
    }

    /**
     * @param json the application's mapper (Boot's, which knows {@link ProblemDetail} through
     *     {@link ProblemDetailJacksonMixin})
     */
    public ProblemResponses(
            String realm, long retryAfterSeconds, CorsConfigurationSource cors, String dpopAlgs, JsonMapper json) {
        this(realm, retryAfterSeconds, cors, dpopAlgs, exchange -> true, json);
    }

    /**
     * @param dpopAlgs the accepted proof algorithms (space-separated), or {@code null} for Bearer challenges only
     * @param dpopOffered whether the exchange's configuration uses DPoP (some issuer or route): its challenges then
     *     offer the {@code DPoP} scheme too (a configuration reload can turn DPoP on or off)
     */
    public ProblemResponses(
            String realm,
            long retryAfterSeconds,
            CorsConfigurationSource cors,
            String dpopAlgs,
            Predicate<ServerWebExchange> dpopOffered,
            JsonMapper json) {
        Assert.notNull(dpopOffered, "dpopOffered cannot be null");
        this.dpopOffered = dpopOffered;
        this.json = json;
        this.invariantMembers = invariantMembers(json);
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
            if (this.dpopAlgs == null || !this.dpopOffered.test(exchange)) {
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

    byte[] body(ErrorCode code, String description, String instance, String oauthError) {
        if (this.invariantMembers == null) {
            return this.json.writeValueAsBytes(problem(code, description, instance, oauthError));
        }
        return render(this.invariantMembers.get(code), description, instance, oauthError);
    }

    /** Whether the invariant members are pre-rendered (else the whole problem is serialized per response). */
    boolean prerendered() {
        return this.invariantMembers != null;
    }

    /**
     * The problem of a refusal as Spring's model: {@code type} is {@link #PROBLEM_TYPE_PREFIX} and the code,
     * {@code title} the code's title, and the properties {@code code} and, for an OAuth client, {@code error} and
     * {@code error_description}.
     *
     * @param instance the request path, or {@code null}
     */
    public static ProblemDetail problem(ErrorCode code, String detail, String instance, String oauthError) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(code.status(), detail);
        problem.setType(URI.create(PROBLEM_TYPE_PREFIX + code.code()));
        problem.setTitle(code.title());
        if (instance != null) {
            problem.setInstance(instanceUri(instance));
        }
        problem.setProperty("code", code.code());
        if (oauthError != null) {
            problem.setProperty("error", oauthError);
            problem.setProperty("error_description", detail);
        }
        return problem;
    }

    /** A raw request path need not be a valid URI (a {@code |}, a bad escape): then its quoted form. */
    private static URI instanceUri(String path) {
        try {
            return URI.create(path);
        } catch (IllegalArgumentException ex) {
            try {
                return new URI(null, null, path, null);
            } catch (URISyntaxException notEvenQuoted) {
                return null;
            }
        }
    }

    /** Boot's mapper as far as problems go: Jackson 3's defaults and Spring's {@link ProblemDetail} mix-in. */
    public static JsonMapper defaultJsonMapper() {
        return JsonMapper.builder()
                .addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class)
                .build();
    }

    private static final byte[] DETAIL = utf8("\"detail\":\"");

    private static final byte[] INSTANCE = utf8("\"instance\":\"");

    private static final byte[] ERROR = utf8(",\"error\":\"");

    private static final byte[] ERROR_DESCRIPTION = utf8("\",\"error_description\":\"");

    /**
     * {@code {"detail":…,"instance":…,<invariant>,"error":…,"error_description":…}}: the order the mapper writes
     * (Jackson 3 sorts a bean's properties; {@link ProblemDetail#getProperties()} come last, in insertion order).
     */
    private static byte[] render(byte[] invariant, String detail, String instance, String oauthError) {
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        boolean hasDetail = detail != null && !detail.isEmpty();
        byte[] detailText = hasDetail ? encoder.quoteAsUTF8(detail) : null;
        byte[] instanceText = instance != null ? encoder.quoteAsUTF8(instance) : null;
        byte[] errorText = oauthError != null ? encoder.quoteAsUTF8(oauthError) : null;
        int length = 2 + invariant.length;
        if (detailText != null) {
            length += DETAIL.length + detailText.length + 2;
        }
        if (instanceText != null) {
            length += INSTANCE.length + instanceText.length + 2;
        }
        if (errorText != null) {
            length += ERROR.length + errorText.length + ERROR_DESCRIPTION.length + 1;
            length += detailText != null ? detailText.length : 0;
        }
        byte[] out = new byte[length];
        int at = 0;
        out[at++] = '{';
        if (detailText != null) {
            at = append(out, at, DETAIL);
            at = append(out, at, detailText);
            out[at++] = '"';
            out[at++] = ',';
        }
        if (instanceText != null) {
            at = append(out, at, INSTANCE);
            at = append(out, at, instanceText);
            out[at++] = '"';
            out[at++] = ',';
        }
        at = append(out, at, invariant);
        if (errorText != null) {
            at = append(out, at, ERROR);
            at = append(out, at, errorText);
            at = append(out, at, ERROR_DESCRIPTION);
            if (detailText != null) {
                at = append(out, at, detailText);
            }
            out[at++] = '"';
        }
        out[at] = '}';
        return out;
    }

    private static int append(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }

    /**
     * The invariant members of each code as the mapper renders them, or {@code null} when the mapper's rendering of a
     * whole problem is not what {@link #render} makes of them (an indenting or renaming mapper configuration).
     */
    private static Map<ErrorCode, byte[]> invariantMembers(JsonMapper json) {
        Map<ErrorCode, byte[]> members = new EnumMap<>(ErrorCode.class);
        for (ErrorCode code : ErrorCode.values()) {
            byte[] whole = json.writeValueAsBytes(problem(code, null, null, null));
            if (whole.length < 2 || whole[0] != '{' || whole[whole.length - 1] != '}') {
                return null;
            }
            members.put(code, Arrays.copyOfRange(whole, 1, whole.length - 1));
        }
        ErrorCode sample = ErrorCode.MISSING_TOKEN;
        String detail = "A \"sample\" / détail\n";
        byte[] expected = json.writeValueAsBytes(problem(sample, detail, "/a/b%2F", "invalid_request"));
        byte[] rendered = render(members.get(sample), detail, "/a/b%2F", "invalid_request");
        if (!Arrays.equals(expected, rendered)) {
            logger.warn("The application's JsonMapper writes problems otherwise than the pre-rendered form (indented,"
                    + " unsorted or renamed members): every problem body is serialized whole, at a cost per refusal");
            return null;
        }
        return members;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
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
