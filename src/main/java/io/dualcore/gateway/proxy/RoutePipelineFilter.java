package io.dualcore.gateway.proxy;

import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.Outcome;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The proxy door after route matching: the gateway's one global filter runs the engine's route steps for the route
 * Spring Cloud Gateway matched ({@link DecisionEngine#authorize}: access policy, rate limit, identity hand-over), then
 * forwards; a refusal is answered with the gateway's problem response and never reaches the upstream.
 */
public final class RoutePipelineFilter implements GlobalFilter, Ordered {

    private final DecisionEngine engine;

    private final Outcome<GatewayFilterChain, Void> outcome;

    public RoutePipelineFilter(DecisionEngine engine, ProblemResponses errors) {
        Assert.notNull(engine, "engine cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        this.engine = engine;
        this.outcome = new Forward(errors);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        String routeId = (route != null) ? route.getId() : null;
        return this.engine.authorize(exchange, routeId, exchange.getResponse().getHeaders(), chain, this.outcome);
    }

    @Override
    public int getOrder() {
        return FilterOrders.ROUTE_PIPELINE_FILTER;
    }

    /** On to the upstream, or the refusal. */
    private record Forward(ProblemResponses errors) implements Outcome<GatewayFilterChain, Void> {

        @Override
        public Mono<Void> allowed(ServerWebExchange exchange, GatewayFilterChain chain) {
            return chain.filter(exchange);
        }

        @Override
        public Mono<Void> refused(ServerWebExchange exchange, GatewayFilterChain chain, Decision.Problem problem) {
            return (problem.retryAfter() >= 0)
                    ? this.errors.write(
                            exchange, problem.code(), problem.detail(), problem.scope(), problem.retryAfter())
                    : this.errors.write(exchange, problem.code(), problem.detail(), problem.scope());
        }
    }
}
