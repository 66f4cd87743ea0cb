package io.dualcore.gateway.config;

import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.ratelimit.RedisRateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Rate-limit plans and the bucket backend (local, or Redis with a breaker and fallbacks). */
@Configuration(proxyBeanMethods = false)
public class RateLimitConfiguration {

    @Bean
    Map<String, RatePlan> ratePlans(RateLimitProperties properties, RouteProperties routes) {
        Map<String, RatePlan> plans = new LinkedHashMap<>();
        properties.plans().forEach((name, plan) -> plans.put(name, RatePlan.of(name, plan)));
        routes.routes().forEach((routeId, settings) -> {
            RouteProperties.RateLimit rateLimit = settings.rateLimit();
            check(plans, routeId, "oidc", rateLimit.oidc());
            check(plans, routeId, "edge", rateLimit.edge());
            check(plans, routeId, "anonymous", rateLimit.anonymous());
        });
        if (properties.instances() < 1) {
            throw new IllegalStateException(
                    "dualcore.rate-limit.instances must be at least 1, was " + properties.instances());
        }
        return plans;
    }

    private static void check(Map<String, RatePlan> plans, String routeId, String mode, String plan) {
        if (plan != null && !plans.containsKey(plan)) {
            throw new IllegalStateException("dualcore.routes." + routeId + ".rate-limit." + mode + ": unknown plan '"
                    + plan + "'; defined plans are " + plans.keySet());
        }
    }

    @Bean
    RateLimiter rateLimiter(
            RateLimitProperties properties, RedisProperties redis, ObjectProvider<RedisConnections> connections) {
        switch (properties.backend()) {
            case "local":
                return new LocalRateLimiter(properties.maximumLocalKeys());
            case "redis":
                RedisConnections redisConnections = connections.getIfAvailable();
                if (redisConnections == null) {
                    throw new IllegalStateException(
                            "dualcore.rate-limit.backend is redis but dualcore.redis.url (REDIS_URL) is not set");
                }
                RateLimitProperties.CircuitBreaker settings = properties.circuitBreaker();
                CircuitBreaker breaker = CircuitBreaker.of(
                        "redis-rate-limit",
                        CircuitBreakerConfig.custom()
                                .failureRateThreshold(settings.failureRateThreshold())
                                .minimumNumberOfCalls(settings.minimumCalls())
                                .slidingWindowSize(Math.max(settings.minimumCalls(), 10))
                                .waitDurationInOpenState(settings.openFor())
                                .permittedNumberOfCallsInHalfOpenState(1)
                                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                                .build());
                return new ResilientRateLimiter(
                        new RedisRateLimiter(redisConnections.binaryConnection(), redis.timeout()),
                        new LocalRateLimiter(properties.maximumLocalKeys()),
                        breaker,
                        redis.timeout(),
                        properties.instances());
            default:
                throw new IllegalStateException("dualcore.rate-limit.backend: unknown backend '" + properties.backend()
                        + "'; use local or redis");
        }
    }
}
