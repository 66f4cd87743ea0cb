package io.dualcore.gateway.auth.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.support.redis.RedisCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.reactive.RedisStringReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class RedisReplayGuardTests {

    @Test
    void redisFailingWhenBreakerOpensThenRefusedAtOnceWithoutTouchingRedis() {
        AtomicInteger attempts = new AtomicInteger();
        Mono<RedisStringReactiveCommands<String, String>> deadRedis = Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.error(new RedisConnectionException("down"));
        });
        CircuitBreaker breaker = RedisCircuitBreakers.create("test", 50, 4, Duration.ofMinutes(1));
        RedisReplayGuard guard = new RedisReplayGuard(deadRedis, Clock.systemUTC(), Duration.ofSeconds(1), breaker);
        Instant exp = Instant.now().plusSeconds(60);
        for (int i = 0; i < 4; i++) {
            StepVerifier.create(guard.firstUse("iss", "jti-" + i, exp))
                    .expectError(RedisConnectionException.class)
                    .verify();
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        StepVerifier.create(guard.firstUse("iss", "jti-open", exp))
                .expectError(CallNotPermittedException.class)
                .verify();
        assertThat(attempts).hasValue(4);
    }
}
