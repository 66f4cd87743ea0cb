package io.dualcore.gateway.ratelimit;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Applies the route's plan for the caller's mode to the caller's bucket; refuses with 429 and
 * {@code Retry-After} when it is empty, and reports the limit in {@code RateLimit} headers.
 */
public final class RateLimitFilter implements GlobalFilter, Ordered {

    /** After the access policy, before identity injection. */
    public static final int RATE_LIMIT_FILTER_ORDER = FilterOrders.RATE_LIMIT_FILTER;

    private final RoutePolicies policies;

    private final Map<String, RatePlan> plans;

    private final RateLimiter limiter;

    private final RateLimitHeaders headers;

    private final ProblemResponses errors;

    private final GatewayTelemetry telemetry;

    public RateLimitFilter(
            RoutePolicies policies,
            Map<String, RatePlan> plans,
            RateLimiter limiter,
            RateLimitHeaders headers,
            ProblemResponses errors,
            GatewayTelemetry telemetry) {
        this.telemetry = telemetry;
        this.policies = policies;
        this.plans = Map.copyOf(plans);
        this.limiter = limiter;
        this.headers = headers;
        this.errors = errors;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicies.Entry entry = this.policies.forExchange(exchange);
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        RatePlan plan = (entry != null) ? planFor(entry.settings().rateLimit(), identity) : null;
        if (plan == null) {
            return chain.filter(exchange);
        }
        String who = RateLimitKeys.of(identity, exchange);
        if (who == null) {
            return chain.filter(exchange);
        }
        String key = entry.routeId() + "|" + plan.name() + "|" + who;
        return this.limiter
                .consume(key, plan)
                .flatMap(decision -> {
                    this.telemetry.rateLimited(exchange, plan, decision);
                    HttpHeaders response = exchange.getResponse().getHeaders();
                    this.headers.write(plan, decision, response);
                    if (decision.allowed()) {
                        return chain.filter(exchange);
                    }
                    long retryAfter =
                            Math.max(1, TimeUnit.NANOSECONDS.toSeconds(decision.retryAfterNanos() + 999_999_999L));
                    return this.errors.write(
                            exchange,
                            ErrorCode.RATE_LIMITED,
                            "Rate limit of plan " + plan.name() + " exceeded; retry in " + retryAfter + " s",
                            null,
                            retryAfter);
                })
                .onErrorResume(
                        RateLimitUnavailableException.class,
                        ex -> this.errors.write(
                                exchange,
                                ErrorCode.RATE_LIMIT_UNAVAILABLE,
                                "Rate limits cannot be checked right now",
                                null));
    }

    private RatePlan planFor(RouteProperties.RateLimit rateLimit, GatewayIdentity identity) {
        String name;
        if (identity == null) {
            name = rateLimit.anonymous();
        } else {
            name = switch (identity.mode()) {
                case OIDC -> rateLimit.oidc();
                case EDGE -> rateLimit.edge();
            };
        }
        return (name != null) ? this.plans.get(name) : null;
    }

    @Override
    public int getOrder() {
        return RATE_LIMIT_FILTER_ORDER;
    }
}
