package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitUnavailableException;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The gateway's one filter after route matching. The identity was established before routing (see
 * {@code AuthenticationWebFilter}); this filter resolves the matched route's {@link CompiledRoute} once and runs, in
 * this order: the access policy (401 / 403), the rate limit (429), and the hand-over of the identity to the upstream
 * (identity headers, the optional assertion, the client's {@code Authorization} only where the route asks for it,
 * its other unverified credential headers and cookies only where the route names them),
 * which {@link IdentityHandOver} writes into the headers Spring Cloud Gateway sends upstream.
 * Synchronous where no I/O is needed: only a shared (Redis) rate limit is reactive.
 */
public final class RoutePipelineFilter implements GlobalFilter, Ordered {

    /** Status recorded when the client went away before the answer. */
    static final int CLIENT_CLOSED = 499;

    /** The compiled routes a request runs on: those of the configuration pinned to it. */
    private final Function<ServerWebExchange, CompiledRoutes> routes;

    private final RateLimiter limiter;

    private final RateLimitHeaders rateLimitHeaders;

    private final IdentityAssertionSigner signer;

    private final ProblemResponses errors;

    private final PipelineObserver observer;

    public RoutePipelineFilter(
            CompiledRoutes routes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityAssertionSigner signer,
            ProblemResponses errors,
            PipelineObserver observer) {
        this(fixed(routes), limiter, rateLimitHeaders, signer, errors, observer);
    }

    private static Function<ServerWebExchange, CompiledRoutes> fixed(CompiledRoutes routes) {
        Assert.notNull(routes, "routes cannot be null");
        return exchange -> routes;
    }

    /** @param routes the compiled routes of the configuration the exchange runs on (live reload) */
    public RoutePipelineFilter(
            Function<ServerWebExchange, CompiledRoutes> routes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityAssertionSigner signer,
            ProblemResponses errors,
            PipelineObserver observer) {
        Assert.notNull(routes, "routes cannot be null");
        Assert.notNull(limiter, "limiter cannot be null");
        Assert.notNull(rateLimitHeaders, "rateLimitHeaders cannot be null");
        Assert.notNull(signer, "signer cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.routes = routes;
        this.limiter = limiter;
        this.rateLimitHeaders = rateLimitHeaders;
        this.signer = signer;
        this.errors = errors;
        this.observer = observer;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        String routeId = (route != null) ? route.getId() : null;
        CompiledRoute compiled = (routeId != null) ? this.routes.apply(exchange).get(routeId) : null;
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        if (compiled == null) {
            return deny(
                    exchange,
                    routeId,
                    identity,
                    ErrorCode.NO_ROUTE_POLICY,
                    "This route has no access policy and is denied",
                    null);
        }
        AccessPolicy.Denial denial = compiled.policy().check(identity, exchange.getRequest());
        if (denial != null) {
            return deny(exchange, routeId, identity, denial.code(), denial.description(), denial.scope());
        }
        this.observer.authorized(exchange, routeId, identity, null);
        CompiledRoute.Limit limit = compiled.limitFor(identity);
        String who = (limit != null) ? limit.plan().key().of(identity, exchange) : null;
        if (who == null) {
            return forward(exchange, chain, compiled, identity);
        }
        String key = limit.keyPrefix() + who;
        RatePlan plan = limit.plan();
        RateLimitDecision now = this.limiter.consumeNow(key, plan);
        if (now != null) {
            return limited(exchange, chain, compiled, identity, plan, now);
        }
        return this.limiter
                .consume(key, plan)
                .onErrorResume(RateLimitUnavailableException.class, ex -> {
                    this.observer.rateLimited(exchange, plan, null);
                    return refuse(
                                    exchange,
                                    routeId,
                                    identity,
                                    ErrorCode.RATE_LIMIT_UNAVAILABLE,
                                    "Rate limits cannot be checked right now",
                                    5)
                            .then(Mono.empty());
                })
                .flatMap(decision -> limited(exchange, chain, compiled, identity, plan, decision));
    }

    private Mono<Void> limited(
            ServerWebExchange exchange,
            GatewayFilterChain chain,
            CompiledRoute route,
            GatewayIdentity identity,
            RatePlan plan,
            RateLimitDecision decision) {
        this.observer.rateLimited(exchange, plan, decision);
        this.rateLimitHeaders.write(plan, decision, exchange.getResponse().getHeaders());
        if (decision.allowed()) {
            return forward(exchange, chain, route, identity);
        }
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(decision.retryAfterNanos() + 999_999_999L));
        return refuse(
                exchange,
                route.routeId(),
                identity,
                ErrorCode.RATE_LIMITED,
                "Rate limit of plan " + plan.name() + " exceeded; retry in " + retryAfter + " s",
                retryAfter);
    }

    private Mono<Void> deny(
            ServerWebExchange exchange,
            String routeId,
            GatewayIdentity identity,
            ErrorCode code,
            String description,
            String scope) {
        this.observer.authorized(exchange, routeId, identity, code);
        this.observer.completed(exchange, routeId, identity, code.status().value(), code);
        return this.errors.write(exchange, code, description, scope);
    }

    private Mono<Void> refuse(
            ServerWebExchange exchange,
            String routeId,
            GatewayIdentity identity,
            ErrorCode code,
            String description,
            long retryAfter) {
        this.observer.completed(exchange, routeId, identity, code.status().value(), code);
        return this.errors.write(exchange, code, description, null, retryAfter);
    }

    /**
     * Decides what goes upstream with the request ({@link IdentityHandOver} writes it into the upstream request's
     * headers) and records the final status once the exchange is done.
     */
    private Mono<Void> forward(
            ServerWebExchange exchange, GatewayFilterChain chain, CompiledRoute route, GatewayIdentity identity) {
        String assertion = (identity != null && route.identityAssertion())
                ? this.signer.assertionFor(identity, route.routeId())
                : null;
        IdentityHandOver.decide(exchange, identity, assertion, route.forwardAuthorization(), route.credentials());
        return chain.filter(exchange)
                .doFinally(signal ->
                        this.observer.completed(exchange, route.routeId(), identity, statusOf(exchange, signal), null));
    }

    private static int statusOf(ServerWebExchange exchange, SignalType signal) {
        if (signal == SignalType.CANCEL) {
            return CLIENT_CLOSED;
        }
        if (signal == SignalType.ON_ERROR) {
            // not answered by the upstream-failure filter: the error handler answers 500
            return 500;
        }
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        return (status != null) ? status.value() : 200;
    }

    @Override
    public int getOrder() {
        return FilterOrders.ROUTE_PIPELINE_FILTER;
    }
}
