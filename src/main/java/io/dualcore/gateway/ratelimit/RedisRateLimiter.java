package io.dualcore.gateway.ratelimit;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Mono;

/**
 * Buckets shared by every gateway on one Redis or Redis Cluster, through bucket4j's lettuce proxy manager
 * (compare-and-swap, async: no event-loop thread waits on Redis). Keys expire once their bucket would be full again.
 * Each bucket is one key, and each compare-and-swap script touches only that key, so buckets spread over every
 * master of a cluster with no hash tag needed.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final String PREFIX = "dualcore:rl:";

    private final Mono<AsyncProxyManager<byte[]>> proxyManager;

    /** @param connection a standalone or a cluster connection */
    public RedisRateLimiter(Mono<? extends StatefulConnection<byte[], byte[]>> connection, Duration timeout) {
        this.proxyManager = connection
                .map(redis -> builder(redis)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                                Duration.ofSeconds(1)))
                        .requestTimeout(timeout)
                        .build()
                        .asAsync())
                .cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
    }

    private static Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]> builder(
            StatefulConnection<byte[], byte[]> connection) {
        if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
            return Bucket4jLettuce.casBasedBuilder(cluster);
        }
        return Bucket4jLettuce.casBasedBuilder((StatefulRedisConnection<byte[], byte[]>) connection);
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
