package io.dualcore.gateway.policy;

import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.route.RouteProperties;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's per-route settings by route id, validated at startup against the configured routes: an entry for
 * an unknown route is an error, and a route without an entry is denied (and named in the startup log).
 */
public final class RoutePolicies {

    private static final Log logger = LogFactory.getLog(RoutePolicies.class);

    private final Map<String, Entry> entries;

    private RoutePolicies(Map<String, Entry> entries) {
        this.entries = Map.copyOf(entries);
    }

    /**
     * Compiles the settings of every route.
     *
     * @param properties the per-route settings
     * @param routeIds ids of the routes the gateway serves
     * @throws IllegalStateException naming the property and the problem
     */
    public static RoutePolicies of(
            RouteProperties properties, Collection<String> routeIds, VerificationModes registry) {
        return of(properties, routeIds, AccessExpression::isDefaultCredentialHeader, registry);
    }

    /**
     * Compiles the settings of every route.
     *
     * @param properties the per-route settings
     * @param routeIds ids of the routes the gateway serves
     * @param credentialHeader whether a header carries credentials ({@code dualcore.credentials}): no access
     *     expression may read it
     * @param registry the registered verification modes that the routes' {@code access.modes} name
     * @throws IllegalStateException naming the property and the problem
     */
    public static RoutePolicies of(
            RouteProperties properties,
            Collection<String> routeIds,
            Predicate<String> credentialHeader,
            VerificationModes registry) {
        Set<String> known = Set.copyOf(routeIds);
        Map<String, Entry> entries = new LinkedHashMap<>();
        properties.routes().forEach((routeId, settings) -> {
            if (!known.contains(routeId)) {
                throw new IllegalStateException("dualcore.routes." + routeId + ": no route has the id '" + routeId
                        + "'; known route ids are " + new TreeSet<>(known));
            }
            AccessPolicy policy = AccessPolicy.of(routeId, settings.access(), credentialHeader, registry);
            checkIntrospection(routeId, settings, policy, registry);
            entries.put(routeId, new Entry(policy, settings));
        });
        List<String> unprotected = routeIds.stream()
                .filter(id -> !entries.containsKey(id))
                .sorted()
                .toList();
        if (!unprotected.isEmpty()) {
            logger.warn("Routes without an access policy deny every request (403 no_route_policy): " + unprotected
                    + "; configure dualcore.routes.<route-id>.access");
        }
        entries.values().forEach(entry -> logger.info(entry.policy()));
        return new RoutePolicies(entries);
    }

    /**
     * A route with {@code introspect: true} must accept a mode whose tokens an issuer can introspect: edge (HMAC)
     * tokens have no introspection endpoint, so on a route they alone can reach, every authenticated request would
     * be refused ({@code introspection_unavailable}).
     *
     * @throws IllegalStateException naming the property and the fix
     */
    public static void checkIntrospection(
            String routeId, RouteProperties.RouteSettings settings, AccessPolicy policy, VerificationModes registry) {
        if (!settings.introspect() || policy.modes().isEmpty()) {
            return;
        }
        for (Mode mode : policy.modes()) {
            VerificationMode verification = registry.get(mode);
            if (verification != null && verification.introspectable()) {
                return;
            }
        }
        String where = "dualcore.routes." + routeId;
        throw new IllegalStateException(where + ".introspect is true but " + where + ".access.modes " + policy.modes()
                + " accepts no tokens an issuer can introspect: every authenticated request would be refused"
                + " (introspection_unavailable); accept a mode of "
                + registry.all().stream()
                        .filter(VerificationMode::introspectable)
                        .map(m -> m.mode().name())
                        .toList()
                + " or remove introspect");
    }

    /** The entry of the exchange's route, or {@code null} when the route has none. */
    public Entry forExchange(ServerWebExchange exchange) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        return (route != null) ? this.entries.get(route.getId()) : null;
    }

    /** Every route's entry. */
    public Collection<Entry> entries() {
        return this.entries.values();
    }

    public Entry forRoute(String routeId) {
        return this.entries.get(routeId);
    }

    /** One route's compiled policy and upstream settings. */
    public record Entry(AccessPolicy policy, RouteProperties.RouteSettings settings) {

        public String routeId() {
            return this.policy.routeId();
        }
    }
}
