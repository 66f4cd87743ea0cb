package io.dualcore.gateway.live;

import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;

/**
 * Spring Cloud Gateway's routes from the request's pinned {@link ActiveConfiguration} (outside a request: the one in
 * force). Takes the place of its caching locator: the routes are built once per configuration, never per request,
 * and a reload swaps them with the policies they belong to.
 *
 * <p>Routes of an application's own {@link RouteLocator} beans (Spring Cloud Gateway's Java DSL) are served too, in
 * route order after the configured ones of the same order, as Spring Cloud Gateway's composite locator would: they are
 * built once at startup and are not reloaded (and, like any route without a policy in {@code dualcore.routes}, they
 * are refused with {@code no_route_policy}).
 */
public final class LiveRouteLocator implements RouteLocator {

    private static final Comparator<Route> ORDER = Comparator.comparingInt(Route::getOrder);

    private final Flux<Route> routes;

    /**
     * The other locators' routes ({@code null}: none), built at the first look-up (after the context is refreshed) and
     * kept.
     */
    private volatile Flux<Route> others;

    private volatile boolean resolved;

    private final Supplier<List<RouteLocator>> otherLocators;

    public LiveRouteLocator(LiveConfiguration live) {
        this(live, List::of);
    }

    /**
     * @param otherLocators the application's other route locators (never this one, nor the locator of the
     *     configured route definitions), asked once
     */
    public LiveRouteLocator(LiveConfiguration live, Supplier<List<RouteLocator>> otherLocators) {
        Assert.notNull(live, "live cannot be null");
        Assert.notNull(otherLocators, "otherLocators cannot be null");
        this.otherLocators = otherLocators;
        this.routes = Flux.deferContextual(context -> {
            ActiveConfiguration active = context.hasKey(ActiveConfiguration.ATTRIBUTE)
                    ? context.get(ActiveConfiguration.ATTRIBUTE)
                    : live.current();
            Flux<Route> extra = others();
            return (extra == null)
                    ? active.routeFlux()
                    : Flux.concat(active.routeFlux(), extra).sort(ORDER);
        });
    }

    private Flux<Route> others() {
        if (!this.resolved) {
            List<RouteLocator> locators = this.otherLocators.get();
            this.others = locators.isEmpty()
                    ? null
                    : Flux.fromIterable(List.copyOf(locators))
                            .concatMap(RouteLocator::getRoutes)
                            .cache();
            this.resolved = true;
        }
        return this.others;
    }

    /**
     * The exchange's routes in order, without Reactor: those of the configuration pinned to it; {@code null} when it
     * has none pinned or the application has route locators of its own (then {@link #getRoutes()} has them all).
     */
    public List<Route> routes(ServerWebExchange exchange) {
        ActiveConfiguration active = exchange.getAttribute(ActiveConfiguration.ATTRIBUTE);
        return (active != null && others() == null) ? active.routes() : null;
    }

    @Override
    public Flux<Route> getRoutes() {
        return this.routes;
    }
}
