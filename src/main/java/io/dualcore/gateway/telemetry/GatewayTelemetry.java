package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.RequestPathWebFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's own telemetry, observing the decision engine's steps through the observer interfaces they define,
 * the same for every door: OpenTelemetry spans (children of the request's server span, and only for sampled
 * requests: an unsampled request allocates no span), Micrometer counters (each resolved once per tag tuple, then
 * held), and the audit log (one event per request, with its final status). Route meters, spans and audit events carry
 * the door ({@code gateway} for proxied requests, {@code nginx}, {@code caddy}, {@code traefik}, {@code envoy-http}
 * ...).
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

    private static final String NONE = "none";

    private static final String[] RATE_OUTCOMES = {"allowed", "limited", "unavailable"};

    private static final String[] MODES = {"oidc", "edge", "anonymous"};

    private static final ErrorCode[] CODES = ErrorCode.values();

    private final Tracer tracer;

    private final MeterRegistry meters;

    private final AuditLog audit;

    private final boolean subjectInSpans;

    /** Successful authentications by mode, then realm. */
    private final Map<AuthenticationMode, ConcurrentMap<String, Counter>> successes = new ConcurrentHashMap<>();

    /** Failed authentications by code. */
    private final Counter[] failures = new Counter[CODES.length];

    private final Counter[] refusals = new Counter[CODES.length];

    private final ConcurrentMap<String, Counter> edgeKeyUsage = new ConcurrentHashMap<>();

    /** The proxied requests' route meters ({@code door="gateway"}), without a look-up of the door. */
    private final ConcurrentMap<String, RouteMeters> gatewayRoutes = new ConcurrentHashMap<>();

    /** The other doors' route meters, by door. */
    private final ConcurrentMap<String, ConcurrentMap<String, RouteMeters>> doorRoutes = new ConcurrentHashMap<>();

    private final ConcurrentMap<RatePlan, Counter[]> rateLimits = new ConcurrentHashMap<>();

    public GatewayTelemetry(Tracer tracer, MeterRegistry meters, AuditLog audit, boolean subjectInSpans) {
        this.tracer = tracer;
        this.meters = meters;
        this.audit = audit;
        this.subjectInSpans = subjectInSpans;
        for (AuthenticationMode mode : AuthenticationMode.values()) {
            this.successes.put(mode, new ConcurrentHashMap<>());
        }
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

    /**
     * A span for one of the gateway's steps under the request span, tagged with the door, or {@code null} when it is
     * not sampled (then nothing is allocated).
     */
    private Span startSpan(String name, Context parent, ServerWebExchange exchange) {
        if (!Span.fromContext(parent).getSpanContext().isSampled()) {
            return null;
        }
        return this.tracer
                .spanBuilder(name)
                .setParent(parent)
                .setAttribute(DOOR_SPAN_ATTRIBUTE, door(exchange))
                .startSpan();
    }

    // ---- authentication ----

    @Override
    public void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
        Span span = startSpan(AUTHENTICATE_SPAN, requestContext(exchange), exchange);
        if (span != null) {
            endAuthenticated(span, identity);
        }
        countAuthenticated(identity);
    }

    @Override
    public void rejected(ServerWebExchange exchange, ErrorCode code) {
        Context context = requestContext(exchange);
        Span span = startSpan(AUTHENTICATE_SPAN, context, exchange);
        if (span != null) {
            endRejected(span, code);
        }
        countRejected(code);
        audit(exchange, context, null, null, false, code.status().value(), code);
    }

    /** A request refused before route matching (its path or request-target): a counter and the audit line. */
    @Override
    public void refused(ServerWebExchange exchange, ErrorCode code) {
        Counter counter = this.refusals[code.ordinal()];
        if (counter == null) {
            // a benign race: registering the same meter twice returns the same counter
            counter = Counter.builder("dualcore.requests.refused")
                    .tag("code", code.code())
                    .register(this.meters);
            this.refusals[code.ordinal()] = counter;
        }
        counter.increment();
        audit(exchange, null, null, null, false, code.status().value(), code);
    }

    @Override
    public Verification verifying(ServerWebExchange exchange) {
        Context parent = requestContext(exchange);
        Span span = startSpan(AUTHENTICATE_SPAN, parent, exchange);
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
                    endAuthenticated(span, identity);
                }
                countAuthenticated(identity);
            }

            @Override
            public void rejected(ErrorCode code) {
                if (span != null) {
                    endRejected(span, code);
                }
                countRejected(code);
                audit(exchange, parent, null, null, false, code.status().value(), code);
            }
        };
    }

    private void endAuthenticated(Span span, GatewayIdentity identity) {
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
    }

    private static void endRejected(Span span, ErrorCode code) {
        span.setAttribute("dualcore.auth.outcome", "failure");
        span.setAttribute("dualcore.auth.code", code.code());
        span.setStatus(StatusCode.ERROR, code.code());
        span.end();
    }

    private void countAuthenticated(GatewayIdentity identity) {
        ConcurrentMap<String, Counter> byRealm = this.successes.get(identity.mode());
        String realm = (identity.realm() != null) ? identity.realm() : NONE;
        resolve(
                        byRealm,
                        realm,
                        r -> Counter.builder("dualcore.auth.requests")
                                .tags("mode", identity.mode().value(), "realm", r, "outcome", "success", "code", NONE)
                                .register(this.meters))
                .increment();
        if (identity.mode() == AuthenticationMode.EDGE && identity.keyId() != null) {
            resolve(
                            this.edgeKeyUsage,
                            identity.keyId(),
                            kid -> Counter.builder("dualcore.edge.key.usage")
                                    .tag("kid", kid)
                                    .register(this.meters))
                    .increment();
        }
    }

    private void countRejected(ErrorCode code) {
        Counter counter = this.failures[code.ordinal()];
        if (counter == null) {
            // a benign race: registering the same meter twice returns the same counter
            counter = Counter.builder("dualcore.auth.requests")
                    .tags("mode", "unknown", "realm", "unknown", "outcome", "failure", "code", code.code())
                    .register(this.meters);
            this.failures[code.ordinal()] = counter;
        }
        counter.increment();
    }

    // ---- route pipeline ----

    @Override
    public void authorized(ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {
        route(exchange, routeId).decision(modeIndex(identity), code).increment();
    }

    @Override
    public void rateLimited(ServerWebExchange exchange, RatePlan plan, RateLimitDecision decision) {
        int outcome = (decision == null) ? 2 : decision.allowed() ? 0 : 1;
        String backend = (decision == null) ? NONE : decision.backend();
        boolean fallback = decision == null || decision.fallback();
        Span span = startSpan(RATE_LIMIT_SPAN, requestContext(exchange), exchange);
        if (span != null) {
            span.setAttribute("dualcore.ratelimit.plan", plan.name());
            span.setAttribute("dualcore.ratelimit.backend", backend);
            span.setAttribute("dualcore.ratelimit.outcome", RATE_OUTCOMES[outcome]);
            span.setAttribute("dualcore.ratelimit.fallback", fallback);
            span.end();
        }
        int backendIndex = switch (backend) {
            case "local" -> 0;
            case "redis" -> 1;
            default -> 2;
        };
        int index = (outcome * 3 + backendIndex) * 2 + (fallback ? 1 : 0);
        Counter[] counters = resolve(this.rateLimits, plan, p -> new Counter[18]);
        Counter counter = counters[index];
        if (counter == null) {
            counter = Counter.builder("dualcore.ratelimit.decisions")
                    .tags(
                            "plan",
                            plan.name(),
                            "outcome",
                            RATE_OUTCOMES[outcome],
                            "backend",
                            backend,
                            "fallback",
                            Boolean.toString(fallback))
                    .register(this.meters);
            counters[index] = counter;
        }
        counter.increment();
    }

    @Override
    public void completed(
            ServerWebExchange exchange, String routeId, GatewayIdentity identity, int status, ErrorCode code) {
        route(exchange, routeId).completed(code == null, status).increment();
        audit(exchange, null, routeId, identity, code == null, status, code);
    }

    private void audit(
            ServerWebExchange exchange,
            Context context,
            String routeId,
            GatewayIdentity identity,
            boolean allowed,
            int status,
            ErrorCode code) {
        if (!this.audit.enabled(allowed)) {
            return;
        }
        SpanContext trace = Span.fromContext(context != null ? context : requestContext(exchange))
                .getSpanContext();
        InetSocketAddress client = exchange.getRequest().getRemoteAddress();
        this.audit.submit(new AuditEvent(
                allowed,
                status,
                code != null ? code.code() : null,
                routeId,
                exchange.getRequest().getMethod().name(),
                exchange.getRequest().getPath().value(),
                (client != null && client.getAddress() != null)
                        ? client.getAddress().getHostAddress()
                        : null,
                trace.isValid() ? trace.getTraceId() : null,
                identity != null ? identity.mode().value() : "anonymous",
                identity != null ? identity.issuer() : null,
                identity != null ? identity.realm() : null,
                identity != null ? identity.subject() : null,
                identity != null ? identity.clientId() : null,
                identity != null ? identity.deviceId() : null,
                identity != null ? identity.keyId() : null,
                door(exchange)));
    }

    /** The route's meters for the exchange's door: held per (door, route), registered once. */
    private RouteMeters route(ServerWebExchange exchange, String routeId) {
        String id = (routeId != null) ? routeId : NONE;
        String door = exchange.getAttribute(PipelineObserver.DOOR_ATTRIBUTE);
        if (door == null) {
            return resolve(this.gatewayRoutes, id, r -> new RouteMeters(GATEWAY_DOOR, r, this.meters));
        }
        ConcurrentMap<String, RouteMeters> byRoute = resolve(this.doorRoutes, door, d -> new ConcurrentHashMap<>());
        return resolve(byRoute, id, r -> new RouteMeters(door, r, this.meters));
    }

    private static int modeIndex(GatewayIdentity identity) {
        return (identity == null) ? 2 : identity.mode() == AuthenticationMode.OIDC ? 0 : 1;
    }

    /** A get first: {@code computeIfAbsent} may lock even when the key is present. */
    private static <K, V> V resolve(ConcurrentMap<K, V> map, K key, Function<K, V> create) {
        V value = map.get(key);
        return (value != null) ? value : map.computeIfAbsent(key, create);
    }

    /** One route's counters, each registered on first use and then held. */
    private static final class RouteMeters {

        private final String door;

        private final String routeId;

        private final MeterRegistry meters;

        /** By mode, then by code ordinal (the last slot: allowed). */
        private final Counter[][] decisions = new Counter[MODES.length][CODES.length + 1];

        /** By outcome (allowed, denied), then status. */
        private final Counter[][] completions = new Counter[2][600];

        RouteMeters(String door, String routeId, MeterRegistry meters) {
            this.door = door;
            this.routeId = routeId;
            this.meters = meters;
        }

        Counter decision(int mode, ErrorCode code) {
            int index = (code == null) ? CODES.length : code.ordinal();
            Counter counter = this.decisions[mode][index];
            if (counter == null) {
                counter = Counter.builder("dualcore.authz.decisions")
                        .tags(
                                "door",
                                this.door,
                                "route",
                                this.routeId,
                                "mode",
                                MODES[mode],
                                "outcome",
                                code == null ? "allowed" : "denied",
                                "code",
                                code == null ? NONE : code.code())
                        .register(this.meters);
                this.decisions[mode][index] = counter;
            }
            return counter;
        }

        Counter completed(boolean allowed, int status) {
            int outcome = allowed ? 0 : 1;
            int slot = (status >= 100 && status < 600) ? status : 0;
            Counter counter = this.completions[outcome][slot];
            if (counter == null) {
                counter = Counter.builder("dualcore.requests")
                        .description("Routed requests by final outcome and status")
                        .tags(
                                "door",
                                this.door,
                                "route",
                                this.routeId,
                                "outcome",
                                allowed ? "allowed" : "denied",
                                "status",
                                Integer.toString(status))
                        .register(this.meters);
                this.completions[outcome][slot] = counter;
            }
            return counter;
        }
    }
}
