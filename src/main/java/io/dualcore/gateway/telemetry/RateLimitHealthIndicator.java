package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The rate-limit backend: local, Redis up, or Redis out with each plan's failure policy in force ({@code DEGRADED},
 * never {@code DOWN}: requests are still served).
 */
public final class RateLimitHealthIndicator implements HealthIndicator {

    private final RateLimiter limiter;

    public RateLimitHealthIndicator(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public Health health() {
        if (!(this.limiter instanceof ResilientRateLimiter resilient)) {
            return Health.up().withDetail("backend", "local").build();
        }
        String breaker = resilient.breaker().getState().name().toLowerCase();
        if (resilient.degraded()) {
            return Health.status(IssuersHealthIndicator.DEGRADED)
                    .withDetail("backend", "redis")
                    .withDetail("redis", "unreachable")
                    .withDetail("fallback", "active")
                    .withDetail("breaker", breaker)
                    .build();
        }
        return Health.up()
                .withDetail("backend", "redis")
                .withDetail("redis", "up")
                .withDetail("breaker", breaker)
                .build();
    }
}
