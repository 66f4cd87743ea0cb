package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.RatePlan;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.util.Assert;

/** Every route's {@link CompiledRoute}, by route id: built once from the validated route policies and plans. */
public final class CompiledRoutes {

    private final Map<String, CompiledRoute> routes;

    /** The routes in force now, for a view onto a live configuration; {@code null} for fixed routes. */
    private final Supplier<CompiledRoutes> current;

    private CompiledRoutes(Map<String, CompiledRoute> routes) {
        this.routes = Map.copyOf(routes);
        this.current = null;
    }

    private CompiledRoutes(Supplier<CompiledRoutes> current) {
        this.routes = Map.of();
        this.current = current;
    }

    /**
     * A view that reads the routes in force at each look-up (a caller without a request pinned to one
     * configuration).
     */
    public static CompiledRoutes live(Supplier<CompiledRoutes> current) {
        Assert.notNull(current, "current cannot be null");
        return new CompiledRoutes(current);
    }

    /**
     * @param policies the validated per-route settings (of known routes only)
     * @param plans the rate-limit plans by name
     */
    public static CompiledRoutes of(RoutePolicies policies, Map<String, RatePlan> plans) {
        return of(policies, plans, CredentialCarriers.of(CredentialsProperties.defaults()));
    }

    /**
     * @param policies the validated per-route settings (of known routes only)
     * @param plans the rate-limit plans by name
     * @param credentials the gateway's credential carriers, narrowed per route by what it forwards
     * @throws IllegalStateException naming a route's {@code forward-credentials} property and its problem
     */
    public static CompiledRoutes of(
            RoutePolicies policies, Map<String, RatePlan> plans, CredentialCarriers credentials) {
        Map<String, CompiledRoute> routes = new HashMap<>();
        for (RoutePolicies.Entry entry : policies.entries()) {
            routes.put(
                    entry.routeId(),
                    new CompiledRoute(entry.routeId(), entry.policy(), entry.settings(), plans, credentials));
        }
        return new CompiledRoutes(routes);
    }

    /** The route's settings, or {@code null} for a route without an access policy (denied). */
    public CompiledRoute get(String routeId) {
        return (this.current != null) ? this.current.get().get(routeId) : this.routes.get(routeId);
    }
}
