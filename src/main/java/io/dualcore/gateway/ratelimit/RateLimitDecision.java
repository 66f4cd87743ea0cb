package io.dualcore.gateway.ratelimit;

import io.github.bucket4j.ConsumptionProbe;

/**
 * The outcome of one rate-limit check.
 *
 * @param allowed whether the request may pass
 * @param limit the plan's headline capacity
 * @param remaining tokens left after this request
 * @param resetNanos time until the bucket is full again
 * @param retryAfterNanos for a refused request, time until a token is available
 * @param backend which backend decided: {@code local}, {@code redis}, or {@code none} (failed open)
 * @param fallback whether the decision was made by a fallback because Redis failed
 */
public record RateLimitDecision(
        boolean allowed,
        long limit,
        long remaining,
        long resetNanos,
        long retryAfterNanos,
        String backend,
        boolean fallback) {

    static RateLimitDecision of(ConsumptionProbe probe, RatePlan plan, String backend, boolean fallback) {
        return new RateLimitDecision(
                probe.isConsumed(),
                plan.limit(),
                probe.getRemainingTokens(),
                probe.getNanosToWaitForReset(),
                probe.isConsumed() ? 0 : probe.getNanosToWaitForRefill(),
                backend,
                fallback);
    }

    /** A request let through without a limit because the backend failed and the plan fails open. */
    static RateLimitDecision failedOpen(RatePlan plan) {
        return new RateLimitDecision(true, plan.limit(), plan.limit(), 0, 0, "none", true);
    }

    /** Marks a decision as made by a fallback. */
    RateLimitDecision asFallback() {
        return new RateLimitDecision(
                this.allowed, this.limit, this.remaining, this.resetNanos, this.retryAfterNanos, this.backend, true);
    }
}
