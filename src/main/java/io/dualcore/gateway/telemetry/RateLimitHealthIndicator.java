package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The rate-limit backend: local, Redis up, Redis not yet contacted ({@code UNKNOWN}: the first connection attempt has
 * not ended), or Redis out with each plan's failure policy in force ({@code DEGRADED}, never {@code DOWN}: requests are
 * still served). "Up" is said only once a connection to Redis has been opened.
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
            return Health.status(ModeHealthIndicator.DEGRADED)
                    .withDetail("backend", "redis")
                    .withDetail("redis", "unreachable")
                    .withDetail("fallback", "active")
                    .withDetail("breaker", breaker)
                    .build();
        }
        return switch (resilient.backend()) {
            case UNKNOWN ->
                Health.unknown()
                        .withDetail("backend", "redis")
                        .withDetail("redis", "unknown")
                        .withDetail("breaker", breaker)
                        .build();
            case UNREACHABLE ->
                // no connection yet the breaker is closed: requests still try Redis (each waits out the timeout, then
                // gets its plan's failure policy) until enough have failed to open it
                Health.status(ModeHealthIndicator.DEGRADED)
                        .withDetail("backend", "redis")
                        .withDetail("redis", "unreachable")
                        .withDetail("breaker", breaker)
                        .build();
            case UP ->
                Health.up()
                        .withDetail("backend", "redis")
                        .withDetail("redis", "up")
                        .withDetail("breaker", breaker)
                        .build();
        };
    }
}
