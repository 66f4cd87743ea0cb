package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.RatePlan;
import java.util.HashMap;
import java.util.Map;

/** Every route's {@link CompiledRoute}, by route id: built once from the validated route policies and plans. */
public final class CompiledRoutes {

    private final Map<String, CompiledRoute> routes;

    private CompiledRoutes(Map<String, CompiledRoute> routes) {
        this.routes = Map.copyOf(routes);
    }

    /**
     * @param policies the validated per-route settings (of known routes only)
     * @param plans the rate-limit plans by name
     */
    public static CompiledRoutes of(RoutePolicies policies, Map<String, RatePlan> plans) {
        Map<String, CompiledRoute> routes = new HashMap<>();
        for (RoutePolicies.Entry entry : policies.entries()) {
            routes.put(entry.routeId(), new CompiledRoute(entry.routeId(), entry.policy(), entry.settings(), plans));
        }
        return new CompiledRoutes(routes);
    }

    /** The route's settings, or {@code null} for a route without an access policy (denied). */
    public CompiledRoute get(String routeId) {
        return this.routes.get(routeId);
    }
}
