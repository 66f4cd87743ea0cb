package io.dualcore.gateway.ratelimit;

import reactor.core.publisher.Mono;

/** A bucket store: takes one token from the bucket of {@code key} under {@code plan}. Never blocks. */
public interface RateLimiter {

    Mono<RateLimitDecision> consume(String key, RatePlan plan);
}
