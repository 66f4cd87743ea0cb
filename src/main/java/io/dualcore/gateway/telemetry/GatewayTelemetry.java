package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's own telemetry for each decision: an OpenTelemetry span (a child of the request's server span),
 * Micrometer counters, and the audit line. With tracing off, spans are no-ops.
 */
public final class GatewayTelemetry {

    private static final String NONE = "none";

    private final Tracer tracer;

    private final MeterRegistry meters;

    private final AuditLog audit;

    private final Clock clock;

    private final boolean subjectInSpans;

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /** Hot-path counters by realm and by key id: looked up without building a key string per request. */
    private final Map<AuthenticationMode, Map<String, Counter>> successes = new ConcurrentHashMap<>();

    private final Map<String, Counter> edgeKeyUsage = new ConcurrentHashMap<>();

    private final Map<String, Map<String, Counter>> allowedByRoute = new ConcurrentHashMap<>();

    public GatewayTelemetry(Tracer tracer, MeterRegistry meters, AuditLog audit, Clock clock, boolean subjectInSpans) {
        this.tracer = tracer;
        this.meters = meters;
        this.audit = audit;
        this.clock = clock;
        this.subjectInSpans = subjectInSpans;
    }

    /** Telemetry that records nothing anywhere: for tests and tools that build filters by hand. */
    public static GatewayTelemetry disabled() {
        return new GatewayTelemetry(
                io.opentelemetry.api.OpenTelemetry.noop().getTracer("dualcore"),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                new AuditLog(false),
                Clock.systemUTC(),
                false);
    }

    /** The trace context of the exchange's server span, or the current one. */
    public static Context requestContext(ServerWebExchange exchange) {
        Observation.Context observation = ServerRequestObservationContext.findCurrent(exchange.getAttributes())
                .orElse(null);
        if (observation != null) {
            TracingObservationHandler.TracingContext tracing =
                    observation.get(TracingObservationHandler.TracingContext.class);
            if (tracing != null && tracing.getSpan() != null) {
                return Context.root().with(OtelSpan.toOtel(tracing.getSpan()));
            }
        }
        return Context.current();
    }

    /** Starts a span for one of the gateway's steps, parented under the request span. */
    public Span startSpan(String name, ServerWebExchange exchange) {
        return this.tracer
                .spanBuilder(name)
                .setParent(requestContext(exchange))
                .setAttribute("dualcore.route", routeId(exchange))
                .startSpan();
    }

    /** A token verified: span attributes, outcome and edge-key usage metrics. */
    public void authenticated(Span span, GatewayIdentity identity) {
        span.setAttribute("dualcore.auth.mode", identity.mode().value());
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
        count(
                "dualcore.auth.requests",
                "mode",
                identity.mode().value(),
                "realm",
                identity.realm(),
                "outcome",
                "success",
                "code",
                NONE);
        if (identity.mode() == AuthenticationMode.EDGE) {
            count("dualcore.edge.key.usage", "kid", identity.keyId());
        }
    }

    /** A token or request refused before any identity was established. */
    public void rejected(Span span, ServerWebExchange exchange, ErrorCode code) {
        span.setAttribute("dualcore.auth.outcome", "failure");
        span.setAttribute("dualcore.auth.code", code.code());
        span.setStatus(StatusCode.ERROR, code.code());
        span.end();
        count(
                "dualcore.auth.requests",
                "mode",
                "unknown",
                "realm",
                "unknown",
                "outcome",
                "failure",
                "code",
                code.code());
        audit(exchange, null, false, code.status().value(), code.code());
    }

    /** A request refused before route matching (its path or request-target): a counter and the audit line. */
    public void requestRefused(ServerWebExchange exchange, ErrorCode code) {
        count("dualcore.requests.refused", "code", code.code());
        audit(exchange, null, false, code.status().value(), code.code());
    }

    /** The route policy's verdict, allowed ({@code code == null}) or denied. */
    public void authorized(ServerWebExchange exchange, GatewayIdentity identity, ErrorCode code) {
        String mode = (identity != null) ? identity.mode().value() : "anonymous";
        count(
                "dualcore.authz.decisions",
                "route",
                routeId(exchange),
                "mode",
                mode,
                "outcome",
                code == null ? "allowed" : "denied",
                "code",
                code == null ? NONE : code.code());
        audit(
                exchange,
                identity,
                code == null,
                code == null ? 200 : code.status().value(),
                code == null ? null : code.code());
    }

    /** A rate-limit decision, or {@code decision == null} when the backend failed closed. */
    public void rateLimited(ServerWebExchange exchange, RatePlan plan, RateLimitDecision decision) {
        Span span = startSpan("dualcore.ratelimit", exchange);
        String outcome = (decision == null) ? "unavailable" : decision.allowed() ? "allowed" : "limited";
        String backend = (decision == null) ? NONE : decision.backend();
        boolean fallback = decision == null || decision.fallback();
        span.setAttribute("dualcore.ratelimit.plan", plan.name());
        span.setAttribute("dualcore.ratelimit.backend", backend);
        span.setAttribute("dualcore.ratelimit.outcome", outcome);
        span.setAttribute("dualcore.ratelimit.fallback", fallback);
        span.end();
        count(
                "dualcore.ratelimit.decisions",
                "plan",
                plan.name(),
                "outcome",
                outcome,
                "backend",
                backend,
                "fallback",
                Boolean.toString(fallback));
    }

    private void audit(ServerWebExchange exchange, GatewayIdentity identity, boolean allowed, int status, String code) {
        if (!this.audit.enabled(allowed)) {
            return;
        }
        SpanContext trace = Span.fromContext(requestContext(exchange)).getSpanContext();
        this.audit.decision(
                this.clock.instant(),
                trace.isValid() ? trace.getTraceId() : null,
                routeId(exchange),
                exchange.getRequest().getMethod().name(),
                exchange.getRequest().getPath().value(),
                identity,
                allowed,
                status,
                code,
                exchange.getRequest().getRemoteAddress());
    }

    private void count(String name, String... tags) {
        this.counters
                .computeIfAbsent(name + String.join("|", tags), key -> counter(name, tags))
                .increment();
    }

    private Counter counter(String name, String... tags) {
        return Counter.builder(name).tags(tags).register(this.meters);
    }

    private static String routeId(ServerWebExchange exchange) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        return (route != null) ? route.getId() : NONE;
    }
}
