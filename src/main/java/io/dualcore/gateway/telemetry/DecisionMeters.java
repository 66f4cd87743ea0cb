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
 * and then held: no registry look-up per request. Every decision counter carries the door the decision came through,
 * taken from the decision's exchange ({@code gateway} when it carries none: a request the gateway proxies).
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

    /** Whether a mode index is registered. */
    private final boolean[] registered;

    /** The proxied requests' meters ({@code door="gateway"}), without a look-up of the door. */
    private final DoorMeters gateway;

    /** The other doors' meters, by door. */
    private final ConcurrentMap<String, DoorMeters> doors = new ConcurrentHashMap<>();

    private final ConcurrentMap<String, Counter> edgeKeyUsage = new ConcurrentHashMap<>();

    /**
     * @param modes the registered verification modes
     * @param keyUsageModes the modes whose identities count the usage of their key id
     */
    DecisionMeters(MeterRegistry meters, VerificationModes modes, Set<Mode> keyUsageModes) {
        this.meters = meters;
        int slots = modes.slots();
        this.modes = new String[slots + 1];
        this.keyUsage = new boolean[slots];
        this.registered = new boolean[slots];
        for (VerificationMode mode : modes.all()) {
            int index = mode.mode().index();
            this.modes[index] = mode.mode().name();
            this.keyUsage[index] = keyUsageModes.contains(mode.mode());
            this.registered[index] = true;
        }
        this.modes[slots] = Mode.ANONYMOUS;
        this.gateway = new DoorMeters(GatewayTelemetry.GATEWAY_DOOR, meters, this.modes);
    }

    void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
        int mode = modeIndex(identity);
        door(exchange).authenticated(mode, identity);
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

    void rejected(ServerWebExchange exchange, ErrorCode code) {
        door(exchange).rejected(code);
    }

    /** A request refused before route matching (its path or request-target). */
    void refused(ServerWebExchange exchange, ErrorCode code) {
        door(exchange).refused(code);
    }

    /** @param outcome the index in {@link #RATE_OUTCOMES} */
    void rateLimited(ServerWebExchange exchange, RatePlan plan, int outcome, String backend, boolean fallback) {
        door(exchange).rateLimited(plan, outcome, backend, fallback);
    }

    void authorized(ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {
        door(exchange).route(routeId).decision(modeIndex(identity), code).increment();
    }

    void completed(ServerWebExchange exchange, String routeId, boolean allowed, int status) {
        door(exchange).route(routeId).completed(allowed, status).increment();
    }

    /** The exchange's door's meters: held per door, registered once. */
    private DoorMeters door(ServerWebExchange exchange) {
        String door = exchange.getAttribute(PipelineObserver.DOOR_ATTRIBUTE);
        return (door == null)
                ? this.gateway
                : resolve(this.doors, door, d -> new DoorMeters(d, this.meters, this.modes));
    }

    /** The identity's mode index, the last slot for anonymous; a mode that is not registered is an error. */
    private int modeIndex(GatewayIdentity identity) {
        if (identity == null) {
            return this.modes.length - 1;
        }
        int index = identity.mode().index();
        if (index >= this.registered.length || !this.registered[index]) {
            throw new IllegalStateException("mode '" + identity.mode() + "' is not registered");
        }
        return index;
    }

    /** A get first: {@code computeIfAbsent} may lock even when the key is present. */
    private static <K, V> V resolve(ConcurrentMap<K, V> map, K key, Function<K, V> create) {
        V value = map.get(key);
        return (value != null) ? value : map.computeIfAbsent(key, create);
    }

    /** One door's counters, each registered on first use and then held. */
    private static final class DoorMeters {

        private final String door;

        private final MeterRegistry meters;

        /** Mode tag values by mode index (the last: anonymous). */
        private final String[] modes;

        /** Successful authentications by mode index, then realm. */
        private final ConcurrentMap<String, Counter>[] successes;

        /** Failed authentications by code. */
        private final Counter[] failures = new Counter[CODES.length];

        private final Counter[] refusals = new Counter[CODES.length];

        private final ConcurrentMap<RatePlan, Counter[]> rateLimits = new ConcurrentHashMap<>();

        private final ConcurrentMap<String, RouteMeters> routes = new ConcurrentHashMap<>();

        @SuppressWarnings("unchecked")
        DoorMeters(String door, MeterRegistry meters, String[] modes) {
            this.door = door;
            this.meters = meters;
            this.modes = modes;
            this.successes = new ConcurrentMap[modes.length];
            for (int i = 0; i < modes.length; i++) {
                this.successes[i] = new ConcurrentHashMap<>();
            }
        }

        void authenticated(int mode, GatewayIdentity identity) {
            String realm = (identity.realm() != null) ? identity.realm() : NONE;
            resolve(
                            this.successes[mode],
                            realm,
                            r -> Counter.builder("dualcore.auth.requests")
                                    .tags(
                                            "door",
                                            this.door,
                                            "mode",
                                            this.modes[mode],
                                            "realm",
                                            r,
                                            "outcome",
                                            "success",
                                            "code",
                                            NONE)
                                    .register(this.meters))
                    .increment();
        }

        void rejected(ErrorCode code) {
            Counter counter = this.failures[code.ordinal()];
            if (counter == null) {
                // a benign race: registering the same meter twice returns the same counter
                counter = Counter.builder("dualcore.auth.requests")
                        .tags(
                                "door",
                                this.door,
                                "mode",
                                "unknown",
                                "realm",
                                "unknown",
                                "outcome",
                                "failure",
                                "code",
                                code.code())
                        .register(this.meters);
                this.failures[code.ordinal()] = counter;
            }
            counter.increment();
        }

        void refused(ErrorCode code) {
            Counter counter = this.refusals[code.ordinal()];
            if (counter == null) {
                // a benign race: registering the same meter twice returns the same counter
                counter = Counter.builder("dualcore.requests.refused")
                        .tags("door", this.door, "code", code.code())
                        .register(this.meters);
                this.refusals[code.ordinal()] = counter;
            }
            counter.increment();
        }

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
                                "door",
                                this.door,
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

        RouteMeters route(String routeId) {
            String id = (routeId != null) ? routeId : NONE;
            return resolve(this.routes, id, r -> new RouteMeters(this.door, r, this.meters, this.modes));
        }
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
