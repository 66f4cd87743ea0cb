package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.RequestPathWebFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Set;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's own telemetry, observing the decision engine's steps through the observer interfaces they define,
 * the same for every door, split by concern: {@link DecisionSpans} (OpenTelemetry spans, children of the request's
 * server span, only for sampled requests: an unsampled request allocates no span), {@link DecisionMeters}
 * (Micrometer counters, each resolved once per tag tuple, then held) and {@link DecisionAudit} (one audit event per
 * request, with its final status). Route meters, spans and audit events carry the door ({@code gateway} for proxied
 * requests, {@code nginx}, {@code caddy}, {@code traefik}, {@code envoy-http} ...).
 */
public final class GatewayTelemetry
        implements RequestPathWebFilter.RefusalObserver, AuthenticationObserver, PipelineObserver {

    /** Exchange attribute: the OpenTelemetry {@link Context} of the request's server span. */
    public static final String TRACE_CONTEXT = GatewayTelemetry.class.getName() + ".traceContext";

    /** Name of the span around token verification. */
    public static final String AUTHENTICATE_SPAN = "dualcore.authenticate";

    /** Name of the span of a rate-limit decision. */
    public static final String RATE_LIMIT_SPAN = "dualcore.ratelimit";

    /** Span attribute: the door the request came through. */
    public static final String DOOR_SPAN_ATTRIBUTE = "dualcore.door";

    /** The door of requests the gateway proxies itself (no door attribute on the exchange). */
    static final String GATEWAY_DOOR = "gateway";

    private final DecisionSpans spans;

    private final DecisionMeters meters;

    private final DecisionAudit audit;

    /**
     * @param modes the registered verification modes: meters are tagged with their names, held by their index
     * @param keyUsageModes the modes whose identities count the usage of their key id ({@code
     *     dualcore.edge.key.usage})
     */
    public GatewayTelemetry(
            Tracer tracer,
            MeterRegistry meters,
            AuditLog audit,
            boolean subjectInSpans,
            VerificationModes modes,
            Set<Mode> keyUsageModes) {
        this.spans = new DecisionSpans(tracer, subjectInSpans);
        this.meters = new DecisionMeters(meters, modes, keyUsageModes);
        this.audit = new DecisionAudit(audit);
    }

    /** The trace context of the exchange's server span ({@link ServerSpanWebFilter}), or the current one. */
    public static Context requestContext(ServerWebExchange exchange) {
        Context context = exchange.getAttribute(TRACE_CONTEXT);
        return (context != null) ? context : Context.current();
    }

    /** The door the exchange came through: {@code gateway} for a request the gateway proxies. */
    static String door(ServerWebExchange exchange) {
        String door = exchange.getAttribute(PipelineObserver.DOOR_ATTRIBUTE);
        return (door != null) ? door : GATEWAY_DOOR;
    }

    // ---- authentication ----

    @Override
    public void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
        Span span = this.spans.start(AUTHENTICATE_SPAN, requestContext(exchange), exchange);
        if (span != null) {
            this.spans.endAuthenticated(span, identity);
        }
        this.meters.authenticated(exchange, identity);
    }

    @Override
    public void rejected(ServerWebExchange exchange, ErrorCode code) {
        Context context = requestContext(exchange);
        Span span = this.spans.start(AUTHENTICATE_SPAN, context, exchange);
        if (span != null) {
            DecisionSpans.endRejected(span, code);
        }
        this.meters.rejected(exchange, code);
        this.audit.record(exchange, context, null, null, false, code.status().value(), code);
    }

    /** A request refused before route matching (its path or request-target): a counter and the audit line. */
    @Override
    public void refused(ServerWebExchange exchange, ErrorCode code) {
        this.meters.refused(exchange, code);
        this.audit.record(exchange, null, null, null, false, code.status().value(), code);
    }

    @Override
    public Verification verifying(ServerWebExchange exchange) {
        Context parent = requestContext(exchange);
        Span span = this.spans.start(AUTHENTICATE_SPAN, parent, exchange);
        Context context = (span != null) ? parent.with(span) : parent;
        return new Verification() {

            @Override
            public reactor.util.context.Context contribute(reactor.util.context.Context reactorContext) {
                // a key fetch caused by this request becomes a child of its authentication span
                return reactorContext.put(Context.class, context);
            }

            @Override
            public void authenticated(GatewayIdentity identity) {
                if (span != null) {
                    GatewayTelemetry.this.spans.endAuthenticated(span, identity);
                }
                GatewayTelemetry.this.meters.authenticated(exchange, identity);
            }

            @Override
            public void rejected(ErrorCode code) {
                if (span != null) {
                    DecisionSpans.endRejected(span, code);
                }
                GatewayTelemetry.this.meters.rejected(exchange, code);
                GatewayTelemetry.this.audit.record(
                        exchange, parent, null, null, false, code.status().value(), code);
            }
        };
    }

    // ---- the route's steps ----

    @Override
    public void authorized(ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {
        this.meters.authorized(exchange, routeId, identity, code);
    }

    @Override
    public void rateLimited(ServerWebExchange exchange, RatePlan plan, RateLimitDecision decision) {
        int outcome = (decision == null) ? 2 : decision.allowed() ? 0 : 1;
        String backend = (decision == null) ? DecisionMeters.NONE : decision.backend();
        boolean fallback = decision == null || decision.fallback();
        this.spans.rateLimited(exchange, plan.name(), backend, DecisionMeters.RATE_OUTCOMES[outcome], fallback);
        this.meters.rateLimited(exchange, plan, outcome, backend, fallback);
    }

    @Override
    public void completed(
            ServerWebExchange exchange, String routeId, GatewayIdentity identity, int status, ErrorCode code) {
        this.meters.completed(exchange, routeId, code == null, status);
        this.audit.record(exchange, null, routeId, identity, code == null, status, code);
    }
}
