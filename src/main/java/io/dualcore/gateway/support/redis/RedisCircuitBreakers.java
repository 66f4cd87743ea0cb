package io.dualcore.gateway.support.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;

/** The one shape of breaker every Redis user gets, so rate limits and the replay guard fail the same way. */
public final class RedisCircuitBreakers {

    private RedisCircuitBreakers() {}

    /**
     * A count-based breaker: opens when {@code failureRateThreshold}% of at least {@code minimumCalls} calls failed,
     * stays open for {@code openFor}, then lets one probe call through on the next request.
     */
    public static CircuitBreaker create(String name, float failureRateThreshold, int minimumCalls, Duration openFor) {
        return CircuitBreaker.of(
                name,
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(failureRateThreshold)
                        .minimumNumberOfCalls(minimumCalls)
                        .slidingWindowSize(Math.max(minimumCalls, 10))
                        .waitDurationInOpenState(openFor)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .build());
    }
}
