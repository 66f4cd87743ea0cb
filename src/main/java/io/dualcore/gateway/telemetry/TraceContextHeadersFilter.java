package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.UpstreamHeaders;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * Gives the upstream request the trace context of the gateway's server span ({@link ServerSpanWebFilter}):
 * {@code traceparent} (and {@code tracestate}, baggage, as the propagators write them) replace what the client sent,
 * so the upstream continues the same trace under the gateway's span, with the same sampling decision.
 *
 * <p>Last of Spring Cloud Gateway's request header filters: the headers it receives are already the copy that
 * goes upstream (the hop-by-hop filter copies them), so it writes into them instead of copying them again.
 */
public final class TraceContextHeadersFilter implements HttpHeadersFilter, Ordered {

    private static final TextMapSetter<HttpHeaders> SETTER = HttpHeaders::set;

    private final TextMapPropagator propagator;

    public TraceContextHeadersFilter(TextMapPropagator propagator) {
        Assert.notNull(propagator, "propagator cannot be null");
        this.propagator = propagator;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        Context context = exchange.getAttribute(GatewayTelemetry.TRACE_CONTEXT);
        if (context == null) {
            return input;
        }
        return UpstreamHeaders.write(input, headers -> this.propagator.inject(context, headers, SETTER));
    }

    @Override
    public boolean supports(Type type) {
        return type == Type.REQUEST;
    }

    @Override
    public int getOrder() {
        return FilterOrders.TRACE_CONTEXT_HEADERS;
    }
}
