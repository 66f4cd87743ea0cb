package io.dualcore.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import reactor.core.publisher.Mono;

/**
 * Buckets in this gateway's memory, bounded in number and forgotten once idle long enough to be full again, so
 * idle identities do not grow the heap.
 */
public final class LocalRateLimiter implements RateLimiter {

    private final Cache<String, LocalBucket> buckets;

    private final String backendName;

    /** The buckets' clock; {@code null}: bucket4j's default (system milliseconds). */
    private final TimeMeter time;

    public LocalRateLimiter(long maximumKeys) {
        this(maximumKeys, "local");
    }

    LocalRateLimiter(long maximumKeys, String backendName) {
        this(maximumKeys, backendName, null);
    }

    /** With a controllable clock for refill and idle expiry (tests step through refill windows without sleeping). */
    LocalRateLimiter(long maximumKeys, String backendName, TimeMeter time) {
        this.backendName = backendName;
        this.time = time;
        // maintenance on the caller's thread (see VerifiedTokenCache)
        Caffeine<Object, Object> caffeine = Caffeine.newBuilder().executor(Runnable::run);
        if (time != null) {
            caffeine.ticker(time::currentTimeNanos);
        }
        this.buckets = caffeine.maximumSize(maximumKeys)
                .expireAfter(new Expiry<String, LocalBucket>() {
                    @Override
                    public long expireAfterCreate(String key, LocalBucket bucket, long currentTime) {
                        return bucket.plan().timeToFull().toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, LocalBucket bucket, long currentTime, long duration) {
                        return bucket.plan().timeToFull().toNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, LocalBucket bucket, long currentTime, long duration) {
                        return bucket.plan().timeToFull().toNanos();
                    }
                })
                .build();
    }

    @Override
    public Mono<RateLimitDecision> consume(String key, RatePlan plan) {
        return Mono.fromSupplier(() -> consumeNow(key, plan));
    }

    /** Synchronous: local buckets are lock-free and never wait. */
    @Override
    public RateLimitDecision consumeNow(String key, RatePlan plan) {
        LocalBucket bucket = this.buckets.get(key, k -> new LocalBucket(newBucket(plan), plan));
        if (bucket.plan() != plan) {
            bucket = new LocalBucket(newBucket(plan), plan);
            this.buckets.put(key, bucket);
        }
        ConsumptionProbe probe = bucket.bucket().tryConsumeAndReturnRemaining(1);
        return RateLimitDecision.of(probe, plan, this.backendName, false);
    }

    private Bucket newBucket(RatePlan plan) {
        var builder = Bucket.builder();
        if (this.time != null) {
            builder.withCustomTimePrecision(this.time);
        }
        for (Bandwidth bandwidth : plan.configuration().getBandwidths()) {
            builder.addLimit(bandwidth);
        }
        return builder.build();
    }

    /** Buckets currently held. */
    public long size() {
        this.buckets.cleanUp();
        return this.buckets.estimatedSize();
    }

    private record LocalBucket(Bucket bucket, RatePlan plan) {}
}
