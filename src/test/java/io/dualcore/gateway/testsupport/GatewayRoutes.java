package io.dualcore.gateway.testsupport;

import java.util.Map;

/**
 * Writes Spring Cloud Gateway routes into a test gateway's properties, in matching order: each {@link #add} is the
 * next {@code spring.cloud.gateway.server.webflux.routes[i]}. A test's route list replaces
 * {@code config/application.yml}'s, as a deployment's would.
 */
public final class GatewayRoutes {

    public static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

    private final Map<String, String> properties;

    private int next;

    private GatewayRoutes(Map<String, String> properties) {
        this.properties = properties;
    }

    /** Routes written into these properties, starting at index 0. */
    public static GatewayRoutes into(Map<String, String> properties) {
        return new GatewayRoutes(properties);
    }

    /**
     * Adds the next route.
     *
     * @param path its {@code Path=} pattern
     * @param predicates further predicates, as written in YAML ({@code Mode=edge}, {@code Realm=partners})
     */
    public GatewayRoutes add(String id, String uri, String path, String... predicates) {
        String prefix = ROUTES + "[" + this.next++ + "].";
        this.properties.put(prefix + "id", id);
        this.properties.put(prefix + "uri", uri);
        this.properties.put(prefix + "predicates[0]", "Path=" + path);
        for (int i = 0; i < predicates.length; i++) {
            this.properties.put(prefix + "predicates[" + (i + 1) + "]", predicates[i]);
        }
        return this;
    }
}
