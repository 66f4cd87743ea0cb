package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.web.ErrorCode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import org.springframework.web.server.ServerWebExchange;

/**
 * The spans of the decision's steps, children of the request's server span and tagged with the door: only for
 * sampled requests (an unsampled request allocates no span).
 */
final class DecisionSpans {

    private final Tracer tracer;

    private final boolean subjectInSpans;

    DecisionSpans(Tracer tracer, boolean subjectInSpans) {
        this.tracer = tracer;
        this.subjectInSpans = subjectInSpans;
    }

    /** A span for one of the gateway's steps under the request span, or {@code null} when it is not sampled. */
    Span start(String name, Context parent, ServerWebExchange exchange) {
        if (!Span.fromContext(parent).getSpanContext().isSampled()) {
            return null;
        }
        return this.tracer
                .spanBuilder(name)
                .setParent(parent)
                .setAttribute(GatewayTelemetry.DOOR_SPAN_ATTRIBUTE, GatewayTelemetry.door(exchange))
                .startSpan();
    }

    void endAuthenticated(Span span, GatewayIdentity identity) {
        span.setAttribute("dualcore.auth.mode", identity.mode().name());
        span.setAttribute("dualcore.auth.issuer", identity.issuer());
        span.setAttribute("dualcore.auth.realm", identity.realm());
        if (identity.keyId() != null) {
            span.setAttribute("dualcore.auth.kid", identity.keyId());
        }
        if (this.subjectInSpans) {
            span.setAttribute("dualcore.auth.subject", identity.subject());
        }
        span.setAttribute("dualcore.auth.outcome", "success");
        span.end();
    }

    static void endRejected(Span span, ErrorCode code) {
        span.setAttribute("dualcore.auth.outcome", "failure");
        span.setAttribute("dualcore.auth.code", code.code());
        span.setStatus(StatusCode.ERROR, code.code());
        span.end();
    }

    /** The span of a rate-limit decision, when the request is sampled. */
    void rateLimited(ServerWebExchange exchange, String plan, String backend, String outcome, boolean fallback) {
        Span span = start(GatewayTelemetry.RATE_LIMIT_SPAN, GatewayTelemetry.requestContext(exchange), exchange);
        if (span != null) {
            span.setAttribute("dualcore.ratelimit.plan", plan);
            span.setAttribute("dualcore.ratelimit.backend", backend);
            span.setAttribute("dualcore.ratelimit.outcome", outcome);
            span.setAttribute("dualcore.ratelimit.fallback", fallback);
            span.end();
        }
    }
}
