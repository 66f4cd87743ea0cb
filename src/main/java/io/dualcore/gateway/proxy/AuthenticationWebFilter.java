package io.dualcore.gateway.proxy;

import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.Outcome;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.Set;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The proxy door before route matching: runs the engine's authentication step on every request of the gateway port
 * ({@link DecisionEngine#authenticate}), so a bad credential is refused before it reaches a route predicate or an
 * upstream, and the identity is in the exchange for the route predicates and the route's steps. A request without
 * credentials continues anonymous, for the route's access policy to judge.
 *
 * <p>Not applied to the management server (a separate server with its own context) nor to the anonymous paths
 * (the identity-assertion key set).
 */
public final class AuthenticationWebFilter implements WebFilter, Ordered {

    private final DecisionEngine engine;

    private final ApplicationContext gatewayContext;

    private final Set<String> anonymousPaths;

    private final Outcome<WebFilterChain, Void> outcome;

    /**
     * @param gatewayContext the context whose server is the gateway port, or {@code null} to apply everywhere
     * @param anonymousPaths exact paths served without authentication
     */
    public AuthenticationWebFilter(
            DecisionEngine engine,
            ProblemResponses errors,
            ApplicationContext gatewayContext,
            Set<String> anonymousPaths) {
        Assert.notNull(engine, "engine cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        this.engine = engine;
        this.gatewayContext = gatewayContext;
        this.anonymousPaths = Set.copyOf(anonymousPaths);
        this.outcome = new Continue(errors);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if ((this.gatewayContext != null && exchange.getApplicationContext() != this.gatewayContext)
                || this.anonymousPaths.contains(exchange.getRequest().getPath().value())) {
            return chain.filter(exchange);
        }
        return this.engine.authenticate(exchange, chain, this.outcome);
    }

    @Override
    public int getOrder() {
        return FilterOrders.AUTHENTICATION_WEB_FILTER;
    }

    /** On to route matching, or the refusal with its challenge. */
    private record Continue(ProblemResponses errors) implements Outcome<WebFilterChain, Void> {

        @Override
        public Mono<Void> allowed(ServerWebExchange exchange, WebFilterChain chain) {
            return chain.filter(exchange);
        }

        @Override
        public Mono<Void> refused(ServerWebExchange exchange, WebFilterChain chain, Decision.Problem problem) {
            return (problem.retryAfter() >= 0)
                    ? this.errors.write(
                            exchange, problem.code(), problem.detail(), problem.scope(), problem.retryAfter())
                    : this.errors.write(exchange, problem.code(), problem.detail(), problem.scope());
        }
    }
}
