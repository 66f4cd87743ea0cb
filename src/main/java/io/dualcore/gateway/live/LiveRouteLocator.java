package io.dualcore.gateway.live;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.util.Assert;
import reactor.core.publisher.Flux;

/**
 * Spring Cloud Gateway's routes from the request's pinned {@link ActiveConfiguration} (outside a request: the one in
 * force). Takes the place of its caching locator: the routes are built once per configuration, never per request,
 * and a reload swaps them with the policies they belong to.
 */
public final class LiveRouteLocator implements RouteLocator {

    private final Flux<Route> routes;

    public LiveRouteLocator(LiveConfiguration live) {
        Assert.notNull(live, "live cannot be null");
        this.routes = Flux.deferContextual(context -> {
            ActiveConfiguration active = context.hasKey(ActiveConfiguration.ATTRIBUTE)
                    ? context.get(ActiveConfiguration.ATTRIBUTE)
                    : live.current();
            return active.routeFlux();
        });
    }

    @Override
    public Flux<Route> getRoutes() {
        return this.routes;
    }
}
