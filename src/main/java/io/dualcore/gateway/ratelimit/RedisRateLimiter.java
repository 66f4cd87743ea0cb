package io.dualcore.gateway.ratelimit;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Mono;

/**
 * Buckets shared by every gateway on one Redis, through bucket4j's lettuce proxy manager (compare-and-swap, async:
 * no event-loop thread waits on Redis). Keys expire once their bucket would be full again.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final String PREFIX = "dualcore:rl:";

    private final Mono<AsyncProxyManager<byte[]>> proxyManager;

    public RedisRateLimiter(Mono<StatefulRedisConnection<byte[], byte[]>> connection, Duration timeout) {
        this.proxyManager = connection
                .map(redis -> Bucket4jLettuce.casBasedBuilder(redis)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                                Duration.ofSeconds(1)))
                        .requestTimeout(timeout)
                        .build()
                        .asAsync())
                .cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
    }

    @Override
    public Mono<RateLimitDecision> consume(String key, RatePlan plan) {
        byte[] redisKey = (PREFIX + key).getBytes(StandardCharsets.UTF_8);
        return this.proxyManager
                .flatMap(manager -> Mono.fromFuture(manager.builder()
                        .build(redisKey, () -> CompletableFuture.completedFuture(plan.configuration()))
                        .tryConsumeAndReturnRemaining(1)))
                .map(probe -> RateLimitDecision.of(probe, plan, "redis", false));
    }
}
