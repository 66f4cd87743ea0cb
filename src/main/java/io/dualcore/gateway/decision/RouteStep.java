package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.pipeline.CompiledRoute;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitUnavailableException;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;

/**
 * The engine's steps after route matching, the same for every door: the route's token checks
 * ({@link RouteTokenChecks}: route DPoP, online introspection), the matched route's {@link CompiledRoute}
 * resolved once, then its access policy (401 / 403), its rate limit (429) and the hand-over of the identity (what
 * {@link IdentityHandOver} writes upstream: identity headers, the optional assertion, the client's credentials only
 * where the route forwards them). Synchronous where no I/O is needed: only an introspection call and a shared (Redis)
 * rate limit are reactive.
 */
final class RouteStep {

    /** Status recorded when the client went away before the answer. */
    static final int CLIENT_CLOSED = 499;

    private final CompiledRoutes routes;

    private final RateLimiter limiter;

    private final RateLimitHeaders rateLimitHeaders;

    private final IdentityAssertionSigner signer;

    private final PipelineObserver observer;

    private final RouteTokenChecks tokenChecks;

    private final AuthenticationObserver tokenObserver;

    /** The request's configuration: its identity settings (header names, assertion settings) and its checks. */
    private final ConfigurationPin pin;

    RouteStep(
            CompiledRoutes routes,
            RateLimiter limiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityAssertionSigner signer,
            PipelineObserver observer,
            RouteTokenChecks tokenChecks,
            AuthenticationObserver tokenObserver,
            ConfigurationPin pin) {
        Assert.notNull(routes, "routes cannot be null");
        Assert.notNull(pin, "pin cannot be null");
        this.pin = pin;
        Assert.notNull(limiter, "limiter cannot be null");
        Assert.notNull(rateLimitHeaders, "rateLimitHeaders cannot be null");
        Assert.notNull(signer, "signer cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.routes = routes;
        this.limiter = limiter;
        this.rateLimitHeaders = rateLimitHeaders;
        this.signer = signer;
        this.observer = observer;
        this.tokenChecks = (tokenChecks != null) ? tokenChecks : RouteTokenChecks.NONE;
        this.tokenObserver = (tokenObserver != null) ? tokenObserver : AuthenticationObserver.NONE;
    }

    /**
     * Token checks, policy, rate limit, hand-over for the matched route; on allow, the door's {@code allowed} (the
     * forwarding) is observed until it ends, with the status the client got.
     *
     * @param routeId the matched route, or {@code null} (denied: no policy)
     * @param responseHeaders where the route's {@code RateLimit} headers go
     */
    <C, T> Mono<T> run(
            ServerWebExchange exchange, String routeId, HttpHeaders responseHeaders, C context, Outcome<C, T> outcome) {
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        Mono<Void> online;
        try {
            online = this.tokenChecks.check(exchange, routeId, identity, this.pin.checks(exchange), context, outcome);
        } catch (TokenRejectedException ex) {
            return tokenRefused(exchange, ex, context, outcome);
        }
        if (online == null) {
            return authorize(exchange, routeId, identity, responseHeaders, context, outcome);
        }
        // the introspection answer (or its refusal, as a value): the door's continuation runs outside the handler
        return online.then(Mono.<Object>just(Boolean.TRUE))
                .onErrorResume(TokenRejectedException.class, Mono::just)
                .flatMap(result -> (result instanceof TokenRejectedException ex)
                        ? tokenRefused(exchange, ex, context, outcome)
                        : authorize(exchange, routeId, identity, responseHeaders, context, outcome));
    }

    /** A token the route's checks refuse: reported like authentication's refusals, never reaching the policy. */
    private <C, T> Mono<T> tokenRefused(
            ServerWebExchange exchange, TokenRejectedException rejection, C context, Outcome<C, T> outcome) {
        this.tokenObserver.rejected(exchange, rejection.errorCode());
        outcome.step(
                context,
                RouteTokenChecks.STEP,
                null,
                "refused " + rejection.errorCode().code());
        return outcome.refused(
                exchange, context, new Decision.Problem(rejection.errorCode(), rejection.description(), null, -1));
    }

    /** The route's policy, rate limit and hand-over. */
    private <C, T> Mono<T> authorize(
            ServerWebExchange exchange,
            String routeId,
            GatewayIdentity identity,
            HttpHeaders responseHeaders,
            C context,
            Outcome<C, T> outcome) {
        CompiledRoute compiled = (routeId != null) ? this.routes.get(exchange, routeId) : null;
        if (compiled == null) {
            outcome.step(context, "policy", null, "none");
            this.observer.authorized(exchange, routeId, identity, ErrorCode.NO_ROUTE_POLICY);
            return refuse(
                    exchange,
                    routeId,
                    identity,
                    new Decision.Problem(
                            ErrorCode.NO_ROUTE_POLICY, "This route has no access policy and is denied", null, -1),
                    context,
                    outcome);
        }
        AccessPolicy.Denial denial = compiled.policy().check(identity, exchange.getRequest());
        this.observer.authorized(exchange, routeId, identity, (denial != null) ? denial.code() : null);
        if (denial != null) {
            outcome.step(context, "policy", "denied", denial.code().code());
            return refuse(
                    exchange,
                    routeId,
                    identity,
                    new Decision.Problem(denial.code(), denial.description(), denial.scope(), -1),
                    context,
                    outcome);
        }
        outcome.step(context, "policy", null, "allowed");
        CompiledRoute.Limit limit = compiled.limitFor(identity);
        String who = (limit != null) ? limit.plan().key().of(identity, exchange) : null;
        if (who == null) {
            outcome.step(context, "rate limit", null, "none");
            return handOver(exchange, compiled, identity, context, outcome);
        }
        String key = limit.keyPrefix() + who;
        RatePlan plan = limit.plan();
        RateLimitDecision now = this.limiter.consumeNow(key, plan);
        if (now != null) {
            return limited(exchange, compiled, identity, plan, now, responseHeaders, context, outcome);
        }
        // a shared limit: the answer (or its failure, as a value) comes from Redis
        return orUnavailable(this.limiter.consume(key, plan)).flatMap(result -> {
            if (result instanceof RateLimitDecision decision) {
                return limited(exchange, compiled, identity, plan, decision, responseHeaders, context, outcome);
            }
            this.observer.rateLimited(exchange, plan, null);
            outcome.step(context, "rate limit", plan.name(), "unavailable");
            return refuse(
                    exchange,
                    routeId,
                    identity,
                    new Decision.Problem(
                            ErrorCode.RATE_LIMIT_UNAVAILABLE, "Rate limits cannot be checked right now", null, 5),
                    context,
                    outcome);
        });
    }

    /**
     * The decision, or the {@link RateLimitUnavailableException} it failed with, as a value: the door's continuation
     * runs outside the error handler, so an error of the door's own chain is never taken for the limiter's.
     */
    @SuppressWarnings("unchecked")
    private static Mono<Object> orUnavailable(Mono<RateLimitDecision> decision) {
        return ((Mono<Object>) (Mono<?>) decision).onErrorResume(RateLimitUnavailableException.class, Mono::just);
    }

    private <C, T> Mono<T> limited(
            ServerWebExchange exchange,
            CompiledRoute route,
            GatewayIdentity identity,
            RatePlan plan,
            RateLimitDecision decision,
            HttpHeaders responseHeaders,
            C context,
            Outcome<C, T> outcome) {
        this.observer.rateLimited(exchange, plan, decision);
        this.rateLimitHeaders.write(plan, decision, responseHeaders);
        if (decision.allowed()) {
            outcome.step(context, "rate limit", plan.name(), "allowed");
            return handOver(exchange, route, identity, context, outcome);
        }
        outcome.step(context, "rate limit", plan.name(), "exceeded");
        long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(decision.retryAfterNanos() + 999_999_999L));
        return refuse(
                exchange,
                route.routeId(),
                identity,
                new Decision.Problem(
                        ErrorCode.RATE_LIMITED,
                        "Rate limit of plan " + plan.name() + " exceeded; retry in " + retryAfter + " s",
                        null,
                        retryAfter),
                context,
                outcome);
    }

    private <C, T> Mono<T> refuse(
            ServerWebExchange exchange,
            String routeId,
            GatewayIdentity identity,
            Decision.Problem problem,
            C context,
            Outcome<C, T> outcome) {
        this.observer.completed(
                exchange, routeId, identity, problem.code().status().value(), problem.code());
        return outcome.refused(exchange, context, problem);
    }

    /**
     * Decides what goes upstream with the request ({@link IdentityHandOver} writes it into the upstream request's
     * headers), lets the door go on, and records the final status once the door's answer is done.
     */
    private <C, T> Mono<T> handOver(
            ServerWebExchange exchange,
            CompiledRoute route,
            GatewayIdentity identity,
            C context,
            Outcome<C, T> outcome) {
        IdentitySettings settings = this.pin.identitySettings(exchange);
        String assertion = (identity != null && route.identityAssertion())
                ? this.signer.assertionFor(identity, route.routeId(), (settings != null) ? settings.assertion() : null)
                : null;
        IdentityHandOver.decide(
                exchange,
                identity,
                assertion,
                route.forwardAuthorization(),
                route.credentials(),
                (settings != null) ? settings.headers() : null);
        return outcome.allowed(exchange, context)
                .doFinally(signal ->
                        this.observer.completed(exchange, route.routeId(), identity, statusOf(exchange, signal), null));
    }

    static int statusOf(ServerWebExchange exchange, SignalType signal) {
        if (signal == SignalType.CANCEL) {
            return CLIENT_CLOSED;
        }
        if (signal == SignalType.ON_ERROR) {
            // the client went away while its answer was being written (the error is the closed connection): no
            // server error, whatever the error handler then tries; otherwise the error handler answers 500
            return clientGone(exchange) ? CLIENT_CLOSED : 500;
        }
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        return (status != null) ? status.value() : 200;
    }

    /** Whether the client's connection is closed (Reactor Netty's request is its connection). */
    static boolean clientGone(ServerWebExchange exchange) {
        try {
            return ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest()) instanceof Connection connection
                    && connection.isDisposed();
        } catch (IllegalArgumentException | IllegalStateException ex) {
            // a request without a native one (a decorator of another kind, a test mock): nothing tells it apart
            return false;
        }
    }
}
