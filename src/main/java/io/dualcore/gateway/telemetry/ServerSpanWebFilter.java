package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.web.FilterOrders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.InetSocketAddress;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The request's server span, the gateway's own (it replaces Spring Boot's HTTP server observation and Spring Cloud
 * Gateway's observability, which cost more than the rest of the pipeline together): continues the client's
 * {@code traceparent} (W3C trace context, with the propagators the application's OpenTelemetry has:
 * {@link TracePropagation}), lets the
 * sampler decide, and puts the span's context into the exchange ({@link GatewayTelemetry#TRACE_CONTEXT}) for the
 * gateway's own spans, the audit line and the upstream's {@code traceparent} ({@link TraceContextHeadersFilter}).
 *
 * <p>An unsampled request gets a non-recording span: a context (trace id, span id, flags) and nothing else, so the
 * upstream continues the same trace with the same sampling decision. Attributes and the end of the span are paid
 * only for sampled requests.
 */
public final class ServerSpanWebFilter implements WebFilter, Ordered {

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");

    private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");

    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");

    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("dualcore.route");

    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private final Tracer tracer;

    private final TracePropagation propagation;

    private final ApplicationContext gatewayContext;

    /**
     * @param gatewayContext the context whose server is the gateway port (the management server is not traced), or
     *     {@code null} to trace every server
     */
    public ServerSpanWebFilter(Tracer tracer, TracePropagation propagation, ApplicationContext gatewayContext) {
        Assert.notNull(tracer, "tracer cannot be null");
        Assert.notNull(propagation, "propagation cannot be null");
        this.tracer = tracer;
        this.propagation = propagation;
        this.gatewayContext = gatewayContext;
    }

    /** Every request through the propagator (tests, benchmarks). */
    public ServerSpanWebFilter(Tracer tracer, TextMapPropagator propagator, ApplicationContext gatewayContext) {
        this(tracer, TracePropagation.of(propagator), gatewayContext);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (this.gatewayContext != null && exchange.getApplicationContext() != this.gatewayContext) {
            return chain.filter(exchange);
        }
        ServerHttpRequest request = exchange.getRequest();
        Context parent = this.propagation.extract(request.getHeaders());
        String method = request.getMethod().name();
        Span span = this.tracer
                .spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .startSpan();
        exchange.getAttributes().put(GatewayTelemetry.TRACE_CONTEXT, parent.with(span));
        if (!span.isRecording()) {
            return chain.filter(exchange);
        }
        span.setAttribute(METHOD, method);
        span.setAttribute(PATH, request.getPath().value());
        span.setAttribute(SCHEME, request.getURI().getScheme());
        InetSocketAddress client = request.getRemoteAddress();
        if (client != null && client.getAddress() != null) {
            span.setAttribute(CLIENT, client.getAddress().getHostAddress());
        }
        return chain.filter(exchange).doOnError(span::recordException).doFinally(signal -> end(exchange, span));
    }

    private static void end(ServerWebExchange exchange, Span span) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        String method = exchange.getRequest().getMethod().name();
        if (route != null) {
            span.setAttribute(ROUTE, route.getId());
            span.updateName(method + " " + route.getId());
        }
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        if (status != null) {
            span.setAttribute(STATUS, (long) status.value());
            if (status.is5xxServerError()) {
                span.setStatus(StatusCode.ERROR);
            }
        }
        span.end();
    }

    @Override
    public int getOrder() {
        return FilterOrders.SERVER_SPAN_WEB_FILTER;
    }
}
