package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.UpstreamHeaders;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * Gives the upstream request the trace context of the gateway's server span ({@link ServerSpanWebFilter}):
 * {@code traceparent} (and {@code tracestate}, baggage, as the propagators write them: {@link TracePropagation})
 * replace what the client sent, so the upstream continues the same trace under the gateway's span, with the same
 * sampling decision.
 *
 * <p>Last of Spring Cloud Gateway's request header filters: the headers it receives are already the copy that
 * goes upstream (the hop-by-hop filter copies them), so it writes into them instead of copying them again.
 */
public final class TraceContextHeadersFilter implements HttpHeadersFilter, Ordered {

    private final TracePropagation propagation;

    public TraceContextHeadersFilter(TracePropagation propagation) {
        Assert.notNull(propagation, "propagation cannot be null");
        this.propagation = propagation;
    }

    /** Every request through the propagator (tests, benchmarks). */
    public TraceContextHeadersFilter(TextMapPropagator propagator) {
        this(TracePropagation.of(propagator));
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        Context context = exchange.getAttribute(GatewayTelemetry.TRACE_CONTEXT);
        if (context == null) {
            return input;
        }
        return UpstreamHeaders.write(input, headers -> this.propagation.inject(context, headers));
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
