package io.dualcore.gateway.ratelimit;

import io.dualcore.gateway.route.RouteProperties;
import java.util.LinkedHashMap;
import java.util.Map;

/** The configured plans, validated together with the routes that name them. */
public final class RatePlans {

    private RatePlans() {}

    /**
     * Builds every plan of {@code dualcore.rate-limit.plans} and checks that each route names defined plans.
     *
     * @param properties the rate-limit settings
     * @param routes the per-route settings naming plans
     * @param previous plans already in force by name: a plan whose settings did not change is kept as that same
     *     object, so that the buckets the limiters hold for it keep counting
     * @param previousSettings the settings those plans were built from
     * @throws IllegalStateException naming the property and the fix
     */
    public static Map<String, RatePlan> of(
            RateLimitProperties properties,
            RouteProperties routes,
            Map<String, RatePlan> previous,
            Map<String, RateLimitProperties.Plan> previousSettings) {
        Map<String, RatePlan> plans = new LinkedHashMap<>();
        properties.plans().forEach((name, plan) -> {
            RatePlan kept = previous.get(name);
            boolean unchanged = kept != null && plan.equals(previousSettings.get(name));
            plans.put(name, unchanged ? kept : RatePlan.of(name, plan));
        });
        routes.routes().forEach((routeId, settings) -> {
            settings.rateLimit().forEach((mode, plan) -> check(plans, routeId, mode, plan));
        });
        return plans;
    }

    /** Builds every plan and checks the routes' plan names. */
    public static Map<String, RatePlan> of(RateLimitProperties properties, RouteProperties routes) {
        return of(properties, routes, Map.of(), Map.of());
    }

    private static void check(Map<String, RatePlan> plans, String routeId, String mode, String plan) {
        if (plan != null && !plans.containsKey(plan)) {
            throw new IllegalStateException("dualcore.routes." + routeId + ".rate-limit." + mode + ": unknown plan '"
                    + plan + "'; defined plans are " + plans.keySet());
        }
    }
}
