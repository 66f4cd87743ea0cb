package io.dualcore.gateway.ratelimit;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Rate limits per verified identity (bucket4j). Plans are assigned to routes per mode in
 * {@code dualcore.routes.<route-id>.rate-limit}.
 *
 * @param backend {@code local} (in-memory, per gateway) or {@code redis} (shared by every gateway on one Redis)
 * @param instances how many gateways share the limits; a plan's {@code local-fallback} buckets are its limits
 *     divided by this. With {@code discovery} on (the default with the {@code redis} backend) this is only the
 *     count used until Redis has first been reached
 * @param discovery gateways sharing a Redis count each other, so local-fallback shares follow scaling
 * @param headers which rate-limit response headers to send: {@code draft} (IETF {@code RateLimit-Policy} and
 *     {@code RateLimit}), {@code legacy} ({@code RateLimit-Limit}/{@code -Remaining}/{@code -Reset}), or
 *     {@code none}
 * @param maximumLocalKeys most identities with a local bucket; idle buckets expire once full again
 * @param circuitBreaker how quickly a failing Redis is given up on, and retried
 * @param plans named plans
 */
@Validated
@ConfigurationProperties("dualcore.rate-limit")
public record RateLimitProperties(
        @DefaultValue("local") Backend backend,

        @DefaultValue("1") @Min(value = 1, message = "must be at least 1 (the number of gateways sharing the limits)")
        int instances,

        @DefaultValue("draft") RateLimitHeaders.Style headers,
        @DefaultValue("100000") long maximumLocalKeys,
        @DefaultValue CircuitBreaker circuitBreaker,
        @DefaultValue Discovery discovery,
        @DefaultValue Map<String, Plan> plans) {

    /** Where the buckets live. */
    public enum Backend {
        /** In memory, per gateway. */
        LOCAL,
        /** In Redis (standalone or cluster), shared by every gateway on it. */
        REDIS
    }

    /**
     * @param enabled whether gateways on the {@code redis} backend register in Redis and divide local-fallback
     *     shares by the live count; off: the static {@code instances} applies
     * @param group gateways that share limits; each group counts its own members
     * @param ttl how long a registration lives without renewal: a gateway that died stops counting after this
     * @param renewEvery how often each gateway renews its registration (well under {@code ttl})
     */
    public record Discovery(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("dualcore-gateway") String group,
            @DefaultValue("15s") Duration ttl,
            @DefaultValue("5s") Duration renewEvery) {}

    /**
     * @param bandwidths every limit of the plan; a request needs a token from each
     * @param onRedisFailure {@code fail-open}, {@code fail-closed} or {@code local-fallback}
     * @param key what the buckets are keyed on, always from the verified identity: {@code identity} (each caller),
     *     {@code realm} (each trusted issuer) or {@code claim:<name>} (each value of a claim within its issuer, e.g.
     *     {@code claim:tenant_id}: a tenant's users share one budget); anonymous callers by peer address
     */
    public record Plan(
            @DefaultValue List<Bandwidth> bandwidths,
            @DefaultValue("local-fallback") RatePlan.FailurePolicy onRedisFailure,
            @DefaultValue("identity") String key) {}

    /**
     * @param capacity most requests in a burst
     * @param refillTokens tokens added each period (default: the capacity)
     * @param refillPeriod the period
     */
    public record Bandwidth(long capacity, Long refillTokens, Duration refillPeriod) {}

    /**
     * @param failureRateThreshold percentage of failed Redis calls that opens the breaker
     * @param minimumCalls calls needed before the rate is judged
     * @param openFor how long requests skip Redis before it is tried again
     */
    public record CircuitBreaker(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("5") int minimumCalls,
            @DefaultValue("5s") Duration openFor) {}
}
