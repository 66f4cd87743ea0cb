package io.dualcore.gateway.route;

import java.util.List;
import java.util.function.Function;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.env.Environment;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud Gateway's route look-up (the first route, in order, whose predicate accepts the request), without a
 * Reactor pipeline per route: each predicate's answer is read where it is already known (see
 * {@link PredicateResults}), so matching the shipped routes allocates no operator chain; a predicate that really waits
 * (one that reads the body) continues the look-up reactively from there. Everything else is Spring Cloud Gateway's
 * own handler mapping: CORS, the management port, the exchange attributes it sets.
 *
 * <p>Same answers as Spring Cloud Gateway's look-up: a predicate that throws is logged and does not match; an empty
 * answer does not match; an answer that fails fails the look-up (no route is chosen). Spring Cloud Gateway's
 * {@code filterWhen} fails it too for an answer that fails later, but drops a failure answered at once and goes on
 * with the next route; here both fail it, so a broken predicate never sends its requests on to a later, wider route.
 */
public final class FirstRouteHandlerMapping extends RoutePredicateHandlerMapping {

    private final Function<ServerWebExchange, List<Route>> routes;

    /**
     * @param routes the exchange's routes in order (those of its pinned configuration), or {@code null} for an
     *     exchange whose routes only the route locator's {@code getRoutes()} gives (then that is used, as Spring
     *     Cloud Gateway does)
     */
    public FirstRouteHandlerMapping(
            FilteringWebHandler webHandler,
            RouteLocator routeLocator,
            GlobalCorsProperties globalCorsProperties,
            Environment environment,
            Function<ServerWebExchange, List<Route>> routes) {
        super(webHandler, routeLocator, globalCorsProperties, environment);
        Assert.notNull(routes, "routes cannot be null");
        this.routes = routes;
    }

    @Override
    protected Mono<Route> lookupRoute(ServerWebExchange exchange) {
        List<Route> ordered = this.routes.apply(exchange);
        return (ordered != null) ? first(ordered, 0, exchange) : super.lookupRoute(exchange);
    }

    private Mono<Route> first(List<Route> ordered, int from, ServerWebExchange exchange) {
        for (int i = from; i < ordered.size(); i++) {
            Route route = ordered.get(i);
            // the route being tested, as Spring Cloud Gateway records it for the predicates
            exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_PREDICATE_ROUTE_ATTR, route.getId());
            Object answer;
            try {
                answer = PredicateResults.read(route.getPredicate().apply(exchange));
            } catch (Exception ex) {
                logger.error("Error applying predicate for route: " + route.getId(), ex);
                continue;
            }
            if (answer == Boolean.TRUE) {
                return Mono.just(matched(route, exchange));
            }
            if (answer instanceof Throwable ex) {
                return Mono.error(ex);
            }
            if (answer instanceof PredicateResults.Pending pending) {
                int next = i + 1;
                return pending.answer()
                        .flatMap(accepted -> accepted
                                ? Mono.fromSupplier(() -> matched(route, exchange))
                                : first(ordered, next, exchange));
            }
        }
        return Mono.empty();
    }

    private Route matched(Route route, ServerWebExchange exchange) {
        if (logger.isDebugEnabled()) {
            logger.debug("Route matched: " + route.getId());
        }
        validateRoute(route, exchange);
        return route;
    }
}
