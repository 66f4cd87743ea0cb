package io.dualcore.gateway.live;

import io.dualcore.gateway.web.FilterOrders;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Pins the configuration in force to the request, before anything reads it: the exchange attribute
 * {@link ActiveConfiguration#ATTRIBUTE} for the filters, the Reactor context for route matching
 * ({@link LiveRouteLocator}). Every later step of the request runs on that one configuration, whatever a reload swaps
 * in meanwhile.
 */
public final class ActiveConfigurationWebFilter implements WebFilter, Ordered {

    private final LiveConfiguration live;

    public ActiveConfigurationWebFilter(LiveConfiguration live) {
        Assert.notNull(live, "live cannot be null");
        this.live = live;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        // what LiveConfiguration.pinned does, inline: the proxy's hot path allocates one context lambda, no supplier
        ActiveConfiguration active = this.live.current();
        exchange.getAttributes().put(ActiveConfiguration.ATTRIBUTE, active);
        return chain.filter(exchange).contextWrite(context -> context.put(ActiveConfiguration.ATTRIBUTE, active));
    }

    @Override
    public int getOrder() {
        return FilterOrders.ACTIVE_CONFIGURATION_WEB_FILTER;
    }
}
