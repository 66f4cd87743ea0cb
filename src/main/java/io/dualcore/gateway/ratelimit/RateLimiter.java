package io.dualcore.gateway.ratelimit;

import reactor.core.publisher.Mono;

/** A bucket store: takes one token from the bucket of {@code key} under {@code plan}. Never blocks. */
public interface RateLimiter {

    Mono<RateLimitDecision> consume(String key, RatePlan plan);

    /**
     * Takes one token on the calling thread when the store needs no I/O for it (local buckets).
     *
     * @return the decision, or {@code null} when the store must be asked through {@link #consume}
     */
    default RateLimitDecision consumeNow(String key, RatePlan plan) {
        return null;
    }
}
