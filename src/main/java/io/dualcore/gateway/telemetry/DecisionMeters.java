package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.springframework.web.server.ServerWebExchange;

/**
 * The decision's Micrometer counters, each resolved once per tag tuple (door, route, mode, outcome, code, status...)
 * and then held: no registry look-up per request.
 */
final class DecisionMeters {

    static final String NONE = "none";

    static final String[] RATE_OUTCOMES = {"allowed", "limited", "unavailable"};

    private static final String[] MODES = {"oidc", "edge", "anonymous"};

    private static final ErrorCode[] CODES = ErrorCode.values();

    private final MeterRegistry meters;

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

    DecisionMeters(MeterRegistry meters) {
        this.meters = meters;
        for (AuthenticationMode mode : AuthenticationMode.values()) {
            this.successes.put(mode, new ConcurrentHashMap<>());
        }
    }

    void authenticated(GatewayIdentity identity) {
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

    void rejected(ErrorCode code) {
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

    /** A request refused before route matching (its path or request-target). */
    void refused(ErrorCode code) {
        Counter counter = this.refusals[code.ordinal()];
        if (counter == null) {
            // a benign race: registering the same meter twice returns the same counter
            counter = Counter.builder("dualcore.requests.refused")
                    .tag("code", code.code())
                    .register(this.meters);
            this.refusals[code.ordinal()] = counter;
        }
        counter.increment();
    }

    /** @param outcome the index in {@link #RATE_OUTCOMES} */
    void rateLimited(RatePlan plan, int outcome, String backend, boolean fallback) {
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

    void authorized(ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {
        route(exchange, routeId).decision(modeIndex(identity), code).increment();
    }

    void completed(ServerWebExchange exchange, String routeId, boolean allowed, int status) {
        route(exchange, routeId).completed(allowed, status).increment();
    }

    /** The route's meters for the exchange's door: held per (door, route), registered once. */
    private RouteMeters route(ServerWebExchange exchange, String routeId) {
        String id = (routeId != null) ? routeId : NONE;
        String door = exchange.getAttribute(PipelineObserver.DOOR_ATTRIBUTE);
        if (door == null) {
            return resolve(this.gatewayRoutes, id, r -> new RouteMeters(GatewayTelemetry.GATEWAY_DOOR, r, this.meters));
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
