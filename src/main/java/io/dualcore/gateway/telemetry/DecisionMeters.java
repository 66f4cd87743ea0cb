package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
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

    private static final ErrorCode[] CODES = ErrorCode.values();

    private final MeterRegistry meters;

    /** Mode tag values by {@link Mode#index()}, then {@code anonymous} in the last slot. */
    private final String[] modes;

    /** The modes whose identities count their key's usage ({@code dualcore.edge.key.usage}), by index. */
    private final boolean[] keyUsage;

    /** Successful authentications by mode index, then realm. */
    private final ConcurrentMap<String, Counter>[] successes;

    /** Failed authentications by code. */
    private final Counter[] failures = new Counter[CODES.length];

    private final Counter[] refusals = new Counter[CODES.length];

    private final ConcurrentMap<String, Counter> edgeKeyUsage = new ConcurrentHashMap<>();

    /** The proxied requests' route meters ({@code door="gateway"}), without a look-up of the door. */
    private final ConcurrentMap<String, RouteMeters> gatewayRoutes = new ConcurrentHashMap<>();

    /** The other doors' route meters, by door. */
    private final ConcurrentMap<String, ConcurrentMap<String, RouteMeters>> doorRoutes = new ConcurrentHashMap<>();

    private final ConcurrentMap<RatePlan, Counter[]> rateLimits = new ConcurrentHashMap<>();

    /**
     * @param modes the registered verification modes
     * @param keyUsageModes the modes whose identities count the usage of their key id
     */
    @SuppressWarnings("unchecked")
    DecisionMeters(MeterRegistry meters, VerificationModes modes, Set<Mode> keyUsageModes) {
        this.meters = meters;
        int slots = modes.slots();
        this.modes = new String[slots + 1];
        this.keyUsage = new boolean[slots];
        this.successes = new ConcurrentMap[slots];
        for (VerificationMode mode : modes.all()) {
            int index = mode.mode().index();
            this.modes[index] = mode.mode().name();
            this.keyUsage[index] = keyUsageModes.contains(mode.mode());
            this.successes[index] = new ConcurrentHashMap<>();
        }
        this.modes[slots] = Mode.ANONYMOUS;
    }

    void authenticated(GatewayIdentity identity) {
        int mode = modeIndex(identity);
        ConcurrentMap<String, Counter> byRealm = this.successes[mode];
        String realm = (identity.realm() != null) ? identity.realm() : NONE;
        resolve(
                        byRealm,
                        realm,
                        r -> Counter.builder("dualcore.auth.requests")
                                .tags("mode", this.modes[mode], "realm", r, "outcome", "success", "code", NONE)
                                .register(this.meters))
                .increment();
        if (this.keyUsage[mode] && identity.keyId() != null) {
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
            return resolve(
                    this.gatewayRoutes,
                    id,
                    r -> new RouteMeters(GatewayTelemetry.GATEWAY_DOOR, r, this.meters, this.modes));
        }
        ConcurrentMap<String, RouteMeters> byRoute = resolve(this.doorRoutes, door, d -> new ConcurrentHashMap<>());
        return resolve(byRoute, id, r -> new RouteMeters(door, r, this.meters, this.modes));
    }

    /** The identity's mode index, the last slot for anonymous; a mode that is not registered is an error. */
    private int modeIndex(GatewayIdentity identity) {
        if (identity == null) {
            return this.modes.length - 1;
        }
        int index = identity.mode().index();
        if (index >= this.successes.length || this.successes[index] == null) {
            throw new IllegalStateException("mode '" + identity.mode() + "' is not registered");
        }
        return index;
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

        /** Mode tag values by mode index (the last: anonymous). */
        private final String[] modes;

        /** By mode index, then by code ordinal (the last slot: allowed). */
        private final Counter[][] decisions;

        /** By outcome (allowed, denied), then status. */
        private final Counter[][] completions = new Counter[2][600];

        RouteMeters(String door, String routeId, MeterRegistry meters, String[] modes) {
            this.door = door;
            this.routeId = routeId;
            this.meters = meters;
            this.modes = modes;
            this.decisions = new Counter[modes.length][CODES.length + 1];
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
                                this.modes[mode],
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
