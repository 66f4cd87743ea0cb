package io.dualcore.gateway.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import java.time.Duration;
import java.util.List;
import org.springframework.util.Assert;

/**
 * A named, validated rate-limit plan: one or more bucket4j bandwidths (for example 20/s and 1000/h), what to do
 * when Redis fails, and the figures the response headers report (the first bandwidth).
 */
public final class RatePlan {

    /** What a plan does when the shared Redis backend cannot answer. */
    public enum FailurePolicy {
        /** Let requests through unlimited. */
        FAIL_OPEN,
        /** Refuse requests (429 {@code rate_limit_unavailable} with {@code Retry-After}). */
        FAIL_CLOSED,
        /** Limit on this gateway alone, with the plan divided by the number of gateways. */
        LOCAL_FALLBACK
    }

    private final String name;

    private final List<RateLimitProperties.Bandwidth> bandwidths;

    private final BucketConfiguration configuration;

    private final FailurePolicy failurePolicy;

    private final Duration timeToFull;

    private final RateLimitKey key;

    private RatePlan(
            String name,
            List<RateLimitProperties.Bandwidth> bandwidths,
            FailurePolicy failurePolicy,
            RateLimitKey key) {
        this.name = name;
        this.key = key;
        this.bandwidths = List.copyOf(bandwidths);
        this.failurePolicy = failurePolicy;
        ConfigurationBuilder builder = BucketConfiguration.builder();
        Duration longest = Duration.ZERO;
        for (RateLimitProperties.Bandwidth bandwidth : bandwidths) {
            long refill = refillTokens(bandwidth);
            builder.addLimit(Bandwidth.builder()
                    .capacity(bandwidth.capacity())
                    .refillGreedy(refill, bandwidth.refillPeriod())
                    .build());
            Duration full =
                    bandwidth.refillPeriod().multipliedBy(bandwidth.capacity()).dividedBy(refill);
            longest = full.compareTo(longest) > 0 ? full : longest;
        }
        this.configuration = builder.build();
        this.timeToFull = longest.isZero() ? Duration.ofSeconds(1) : longest;
    }

    /**
     * Validates and builds a configured plan.
     *
     * @throws IllegalStateException naming the property and the fix
     */
    public static RatePlan of(String name, RateLimitProperties.Plan plan) {
        String where = "dualcore.rate-limit.plans." + name;
        if (plan.bandwidths().isEmpty()) {
            throw new IllegalStateException(
                    where + ".bandwidths is empty; give at least one capacity and refill-period");
        }
        for (int i = 0; i < plan.bandwidths().size(); i++) {
            RateLimitProperties.Bandwidth bandwidth = plan.bandwidths().get(i);
            String at = where + ".bandwidths[" + i + "]";
            if (bandwidth.capacity() <= 0) {
                throw new IllegalStateException(at + ".capacity must be positive, was " + bandwidth.capacity());
            }
            if (bandwidth.refillPeriod() == null
                    || bandwidth.refillPeriod().isZero()
                    || bandwidth.refillPeriod().isNegative()) {
                throw new IllegalStateException(
                        at + ".refill-period must be a positive duration (for example 1s or 1h), was "
                                + bandwidth.refillPeriod());
            }
            if (bandwidth.refillTokens() != null && bandwidth.refillTokens() <= 0) {
                throw new IllegalStateException(
                        at + ".refill-tokens must be positive, was " + bandwidth.refillTokens());
            }
        }
        FailurePolicy failurePolicy =
                (plan.onRedisFailure() != null) ? plan.onRedisFailure() : FailurePolicy.LOCAL_FALLBACK;
        return new RatePlan(name, plan.bandwidths(), failurePolicy, RateLimitKey.of(where + ".key", plan.key()));
    }

    private static long refillTokens(RateLimitProperties.Bandwidth bandwidth) {
        return (bandwidth.refillTokens() != null) ? bandwidth.refillTokens() : bandwidth.capacity();
    }

    /** This plan's share on one of {@code instances} gateways: every capacity and refill divided, at least 1. */
    public RatePlan scaledDown(int instances) {
        Assert.isTrue(instances > 0, "instances must be positive");
        if (instances == 1) {
            return this;
        }
        return new RatePlan(
                this.name,
                this.bandwidths.stream()
                        .map(b -> new RateLimitProperties.Bandwidth(
                                Math.max(1, b.capacity() / instances),
                                Math.max(1, refillTokens(b) / instances),
                                b.refillPeriod()))
                        .toList(),
                this.failurePolicy,
                this.key);
    }

    public String name() {
        return this.name;
    }

    public BucketConfiguration configuration() {
        return this.configuration;
    }

    /** What this plan's buckets are keyed on. */
    public RateLimitKey key() {
        return this.key;
    }

    public FailurePolicy failurePolicy() {
        return this.failurePolicy;
    }

    /** The capacity headers report: the first bandwidth's. */
    public long limit() {
        return this.bandwidths.get(0).capacity();
    }

    /** The window headers report: the first bandwidth's refill period. */
    public Duration window() {
        return this.bandwidths.get(0).refillPeriod();
    }

    /** How long an idle bucket takes to refill completely; after that it can be forgotten. */
    public Duration timeToFull() {
        return this.timeToFull;
    }

    @Override
    public String toString() {
        return "RatePlan[" + this.name + ", " + this.bandwidths + ", on-redis-failure=" + this.failurePolicy + ", key="
                + this.key + "]";
    }
}
