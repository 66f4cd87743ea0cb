package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
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

    private static final String[] MODES = {"oidc", "edge", "anonymous"};

    private static final ErrorCode[] CODES = ErrorCode.values();

    private final MeterRegistry meters;

    /** The proxied requests' meters ({@code door="gateway"}), without a look-up of the door. */
    private final DoorMeters gateway;

    /** The other doors' meters, by door. */
    private final ConcurrentMap<String, DoorMeters> doors = new ConcurrentHashMap<>();

    private final ConcurrentMap<String, Counter> edgeKeyUsage = new ConcurrentHashMap<>();

    DecisionMeters(MeterRegistry meters) {
        this.meters = meters;
        this.gateway = new DoorMeters(GatewayTelemetry.GATEWAY_DOOR, meters);
    }

    void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
        door(exchange).authenticated(identity);
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
        return (door == null) ? this.gateway : resolve(this.doors, door, d -> new DoorMeters(d, this.meters));
    }

    private static int modeIndex(GatewayIdentity identity) {
        return (identity == null) ? 2 : identity.mode() == AuthenticationMode.OIDC ? 0 : 1;
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

        /** Successful authentications by mode, then realm. */
        private final Map<AuthenticationMode, ConcurrentMap<String, Counter>> successes =
                new EnumMap<>(AuthenticationMode.class);

        /** Failed authentications by code. */
        private final Counter[] failures = new Counter[CODES.length];

        private final Counter[] refusals = new Counter[CODES.length];

        private final ConcurrentMap<RatePlan, Counter[]> rateLimits = new ConcurrentHashMap<>();

        private final ConcurrentMap<String, RouteMeters> routes = new ConcurrentHashMap<>();

        DoorMeters(String door, MeterRegistry meters) {
            this.door = door;
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
                                    .tags(
                                            "door",
                                            this.door,
                                            "mode",
                                            identity.mode().value(),
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
            return resolve(this.routes, id, r -> new RouteMeters(this.door, r, this.meters));
        }
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
