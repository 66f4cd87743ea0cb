package io.dualcore.gateway.auth.edge;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.reactive.RedisStringReactiveCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import reactor.core.publisher.Mono;

/**
 * A replay guard shared by every gateway on one Redis (standalone or cluster: one key per token, so any slot will
 * do): {@code SET key 1 NX PX <ms until exp>}. Redis answering {@code OK} means first use. Runs on lettuce's
 * reactive API, never blocking the event loop. A timeout and a circuit breaker bound what a dead Redis costs: once
 * the breaker opens, one-time tokens are refused at once (fail closed) until a probe call succeeds again.
 */
public final class RedisReplayGuard implements ReplayGuard {

    private static final String PREFIX = "dualcore:jti:";

    private final Mono<RedisStringReactiveCommands<String, String>> redis;

    private final Clock clock;

    private final Duration timeout;

    private final CircuitBreaker breaker;

    public RedisReplayGuard(
            Mono<RedisStringReactiveCommands<String, String>> redis,
            Clock clock,
            Duration timeout,
            CircuitBreaker breaker) {
        this.redis = redis;
        this.clock = clock;
        this.timeout = timeout;
        this.breaker = breaker;
    }

    @Override
    public Mono<Boolean> firstUse(String issuer, String jti, Instant expiresAt) {
        long ttl = Math.max(1, expiresAt.toEpochMilli() - this.clock.millis());
        String key = PREFIX + digest(issuer, jti);
        // deferred: an open breaker must keep Redis from doing any work at all
        return Mono.defer(() -> this.redis.flatMap(
                        redis -> redis.set(key, "1", SetArgs.Builder.nx().px(ttl))))
                .map("OK"::equals)
                .defaultIfEmpty(false)
                .timeout(this.timeout)
                .transformDeferred(CircuitBreakerOperator.of(this.breaker));
    }

    public CircuitBreaker breaker() {
        return this.breaker;
    }

    private static String digest(String issuer, String jti) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(issuer.getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
            return HexFormat.of().formatHex(sha256.digest(jti.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
