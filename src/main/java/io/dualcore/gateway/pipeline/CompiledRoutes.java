package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.RatePlan;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/** Every route's {@link CompiledRoute}, by route id: built once from the validated route policies and plans. */
public final class CompiledRoutes {

    private final Map<String, CompiledRoute> routes;

    /**
     * The routes of the configuration an exchange runs on (the one in force for {@code null}), for a view onto a live
     * configuration; {@code null} for fixed routes.
     */
    private final Function<ServerWebExchange, CompiledRoutes> current;

    private CompiledRoutes(Map<String, CompiledRoute> routes) {
        this.routes = Map.copyOf(routes);
        this.current = null;
    }

    private CompiledRoutes(Function<ServerWebExchange, CompiledRoutes> current) {
        this.routes = Map.of();
        this.current = current;
    }

    /**
     * A view onto a live configuration: each look-up reads the routes of the configuration the exchange runs on.
     *
     * @param current the compiled routes of the exchange's configuration; for {@code null}, those in force now
     */
    public static CompiledRoutes live(Function<ServerWebExchange, CompiledRoutes> current) {
        Assert.notNull(current, "current cannot be null");
        return new CompiledRoutes(current);
    }

    /**
     * @param policies the validated per-route settings (of known routes only)
     * @param plans the rate-limit plans by name
     * @param modes the registered verification modes the routes' {@code rate-limit} names
     */
    public static CompiledRoutes of(RoutePolicies policies, Map<String, RatePlan> plans, VerificationModes modes) {
        return of(policies, plans, CredentialCarriers.of(CredentialsProperties.defaults()), modes);
    }

    /**
     * @param policies the validated per-route settings (of known routes only)
     * @param plans the rate-limit plans by name
     * @param credentials the gateway's credential carriers, narrowed per route by what it forwards
     * @param modes the registered verification modes the routes' {@code rate-limit} names
     * @throws IllegalStateException naming a route's {@code forward-credentials} property and its problem
     */
    public static CompiledRoutes of(
            RoutePolicies policies,
            Map<String, RatePlan> plans,
            CredentialCarriers credentials,
            VerificationModes modes) {
        Map<String, CompiledRoute> routes = new HashMap<>();
        for (RoutePolicies.Entry entry : policies.entries()) {
            routes.put(
                    entry.routeId(),
                    new CompiledRoute(entry.routeId(), entry.policy(), entry.settings(), plans, credentials, modes));
        }
        return new CompiledRoutes(routes);
    }

    /** The route's settings, or {@code null} for a route without an access policy (denied). */
    public CompiledRoute get(String routeId) {
        return get(null, routeId);
    }

    /**
     * The route's settings in the configuration the exchange runs on, or {@code null} for a route without an access
     * policy (denied).
     */
    public CompiledRoute get(ServerWebExchange exchange, String routeId) {
        return (this.current != null) ? this.current.apply(exchange).get(routeId) : this.routes.get(routeId);
    }
}
