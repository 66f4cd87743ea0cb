package io.dualcore.gateway.web;

import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * The first step of every request, before Spring Cloud Gateway matches a route: refuses a bad request-target
 * ({@link RequestTarget}, 400 {@code invalid_request_target}) or path ({@link PathCanonicalizer}, 400
 * {@code invalid_path}), and otherwise replaces the exchange's request with one whose URI carries the canonical
 * path. Route predicates, the access policy, the rate limiter, the audit line and the URL the request is forwarded
 * to are all derived from that URI, so they all see the same path, and the query string is left as it was.
 */
public final class RequestPathWebFilter implements WebFilter, Ordered {

    private final PathCanonicalizer canonicalizer;

    private final boolean redirectEscapedSlashes;

    private final ProblemResponses problems;

    private final RefusalObserver observer;

    public RequestPathWebFilter(
            PathCanonicalizer canonicalizer,
            RequestPathProperties settings,
            ProblemResponses problems,
            RefusalObserver observer) {
        Assert.notNull(canonicalizer, "canonicalizer cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(problems, "problems cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.canonicalizer = canonicalizer;
        this.redirectEscapedSlashes =
                settings.escapedSlashes() == RequestPathProperties.EscapedSlashesAction.UNESCAPE_AND_REDIRECT;
        this.problems = problems;
        this.observer = observer;
    }

    @Override
    public int getOrder() {
        return FilterOrders.REQUEST_PATH_WEB_FILTER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String targetProblem = targetProblem(request);
        if (targetProblem != null) {
            return refuse(exchange, ErrorCode.INVALID_REQUEST_TARGET, "Invalid request target: " + targetProblem);
        }
        URI uri = request.getURI();
        String raw = uri.getRawPath();
        String canonical;
        try {
            canonical = this.canonicalizer.canonicalize((raw == null || raw.isEmpty()) ? "/" : raw);
        } catch (RejectedPathException ex) {
            return refuse(exchange, ErrorCode.INVALID_PATH, "Invalid request path: " + ex.getMessage());
        }
        if (canonical == raw) {
            return chain.filter(exchange);
        }
        if (this.redirectEscapedSlashes && PathCanonicalizer.containsEscapedSlash(raw)) {
            return redirect(exchange, canonical, uri.getRawQuery());
        }
        ServerHttpRequest canonicalRequest = request.mutate().path(canonical).build();
        return chain.filter(exchange.mutate().request(canonicalRequest).build());
    }

    private Mono<Void> refuse(ServerWebExchange exchange, ErrorCode code, String detail) {
        this.observer.refused(exchange, code);
        return this.problems.write(exchange, code, detail, null);
    }

    private static Mono<Void> redirect(ServerWebExchange exchange, String canonical, String rawQuery) {
        ServerHttpResponse response = exchange.getResponse();
        // 307 keeps the method and body: the client repeats exactly the request, at the canonical path
        response.setStatusCode(HttpStatus.TEMPORARY_REDIRECT);
        response.getHeaders().set(HttpHeaders.LOCATION, (rawQuery != null) ? canonical + '?' + rawQuery : canonical);
        return response.setComplete();
    }

    /** The request line's target as Reactor Netty received it, checked with the {@code Host} header lines. */
    private static String targetProblem(ServerHttpRequest request) {
        HttpServerRequest nativeRequest = nativeRequest(request);
        if (nativeRequest == null) {
            List<String> hosts = request.getHeaders().get(HttpHeaders.HOST);
            return RequestTarget.problem(null, (hosts != null) ? hosts : List.of(), false);
        }
        boolean hostRequired = nativeRequest.version().compareTo(HttpVersion.HTTP_1_1) >= 0;
        return RequestTarget.problem(
                nativeRequest.uri(), nativeRequest.requestHeaders().getAll(HttpHeaders.HOST), hostRequired);
    }

    private static HttpServerRequest nativeRequest(ServerHttpRequest request) {
        try {
            return (ServerHttpRequestDecorator.getNativeRequest(request) instanceof HttpServerRequest reactor)
                    ? reactor
                    : null;
        } catch (IllegalArgumentException | IllegalStateException notReactorNetty) {
            // another server, or a mock: only the Host header lines can be checked
            return null;
        }
    }

    /** Told about each refusal, before the response is written: one audit line and a counter. */
    @FunctionalInterface
    public interface RefusalObserver {

        /** Observes nothing: the filter without telemetry. */
        RefusalObserver NONE = (exchange, code) -> {};

        void refused(ServerWebExchange exchange, ErrorCode code);
    }
}
