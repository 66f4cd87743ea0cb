package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter.Backend;
import io.dualcore.gateway.support.redis.RedisCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/** The rate-limit readiness indicator: Redis is said to be up only once it was reached, and then as it is. */
class RateLimitHealthIndicatorTests {

    private final AtomicReference<Backend> connection = new AtomicReference<>(Backend.UNKNOWN);

    private final CircuitBreaker breaker = RedisCircuitBreakers.create("test", 50, 2, Duration.ofSeconds(5));

    private final RateLimitHealthIndicator indicator = new RateLimitHealthIndicator(new ResilientRateLimiter(
            (key, plan) -> Mono.<RateLimitDecision>empty(),
            new LocalRateLimiter(100),
            this.breaker,
            Duration.ofMillis(250),
            () -> 1,
            this.connection::get));

    @Test
    void healthWhenRedisNeverContactedThenUnknownNotUp() {
        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
        assertThat(health.getDetails()).containsEntry("redis", "unknown").containsEntry("backend", "redis");
    }

    @Test
    void healthWhenConnectionOpenThenUp() {
        this.connection.set(Backend.UP);

        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("redis", "up").containsEntry("breaker", "closed");
    }

    @Test
    void healthWhenConnectionLostAndBreakerStillClosedThenDegradedUnreachable() {
        this.connection.set(Backend.UP);
        this.connection.set(Backend.UNREACHABLE);

        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(ModeHealthIndicator.DEGRADED);
        assertThat(health.getDetails()).containsEntry("redis", "unreachable").doesNotContainKey("fallback");
    }

    @Test
    void healthWhenBreakerOpenThenDegradedWithFallbackWhateverTheConnectionSays() {
        this.connection.set(Backend.UP);
        this.breaker.transitionToOpenState();

        Health health = this.indicator.health();

        assertThat(health.getStatus()).isEqualTo(ModeHealthIndicator.DEGRADED);
        assertThat(health.getDetails())
                .containsEntry("redis", "unreachable")
                .containsEntry("fallback", "active")
                .containsEntry("breaker", "open");
    }

    @Test
    void healthWhenLocalBackendThenUp() {
        Health health = new RateLimitHealthIndicator(new LocalRateLimiter(100)).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("backend", "local");
    }
}
