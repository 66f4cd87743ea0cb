package io.dualcore.gateway.route;

import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.web.reactive.handler.AbstractHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;
import reactor.core.publisher.Mono;

/**
 * Answers a path that no route (and no other handler) matches with a 404 {@code no_route} problem, as cheaply as an
 * accepted request: no exception, no error page rendering, no static-resource look-up (the shipped configuration
 * turns static resources off). An unrouted path is an attacker's cheapest request; it must not be the dearest one.
 */
public final class NoRouteHandlerMapping extends AbstractHandlerMapping {

    private final Mono<Object> handler;

    public NoRouteHandlerMapping(ProblemResponses errors) {
        WebHandler notFound =
                exchange -> errors.write(exchange, ErrorCode.NO_ROUTE, "No route matches this path", null);
        this.handler = Mono.just(notFound);
        setOrder(FilterOrders.NO_ROUTE_HANDLER_MAPPING);
    }

    @Override
    protected Mono<?> getHandlerInternal(ServerWebExchange exchange) {
        return this.handler;
    }
}
