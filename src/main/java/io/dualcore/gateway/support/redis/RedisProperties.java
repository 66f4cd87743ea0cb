package io.dualcore.gateway.support.redis;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Shared Redis used by the edge replay guard, rate limits and instance discovery: one standalone server, a
 * Sentinel-managed one, or a Redis Cluster.
 *
 * @param url {@code redis://}, {@code rediss://} or {@code redis-sentinel://} URI with credentials, or a cluster as
 *     {@code redis+cluster://[user:password@]host:port[,host:port...]} ({@code rediss+cluster://} for TLS) listing
 *     seed nodes; empty (and no {@code cluster.nodes}) means no Redis, and in-memory state is used
 * @param timeout command timeout: a dead Redis costs a request at most this long
 * @param cluster Redis Cluster seed nodes (instead of a {@code redis+cluster://} URL) and topology refresh
 * @param circuitBreaker how quickly the replay guard gives up on a failing Redis (refusing one-time tokens with
 *     503 at once instead of waiting out the timeout), and retries it; rate limits have their own breaker under
 *     {@code dualcore.rate-limit.circuit-breaker}
 */
@ConfigurationProperties("dualcore.redis")
public record RedisProperties(
        String url,
        @DefaultValue("250ms") Duration timeout,
        @DefaultValue Cluster cluster,
        @DefaultValue CircuitBreaker circuitBreaker) {

    /** Standalone or cluster URL with every other setting at its default. */
    public static RedisProperties of(String url, Duration timeout) {
        return new RedisProperties(
                url,
                timeout,
                new Cluster(List.of(), Duration.ofSeconds(30), Duration.ofSeconds(5)),
                new CircuitBreaker(50, 5, Duration.ofSeconds(5)));
    }

    /**
     * @param failureRateThreshold percentage of failed Redis calls that opens the breaker
     * @param minimumCalls calls needed before the rate is judged
     * @param openFor how long calls skip Redis before it is tried again
     */
    public record CircuitBreaker(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("5") int minimumCalls,
            @DefaultValue("5s") Duration openFor) {

        /** A resilience4j breaker with these settings: one probe call when half open, reopened on its failure. */
        public io.github.resilience4j.circuitbreaker.CircuitBreaker create(String name) {
            return RedisCircuitBreakers.create(name, this.failureRateThreshold, this.minimumCalls, this.openFor);
        }
    }

    /**
     * @param nodes seed nodes of a Redis Cluster as {@code redis://[user:password@]host:port} (or {@code rediss://})
     *     URIs; the client learns the rest of the topology from them. Use either this or a {@code redis+cluster://}
     *     {@code url}, not both
     * @param topologyRefreshPeriod how often the client re-reads the cluster topology in the background; it also
     *     refreshes at once on MOVED/ASK redirects and on persistent reconnects (a failed master)
     * @param adaptiveRefreshTimeout least time between two refreshes triggered by redirects or reconnects
     */
    public record Cluster(
            @DefaultValue List<String> nodes,
            @DefaultValue("30s") Duration topologyRefreshPeriod,
            @DefaultValue("5s") Duration adaptiveRefreshTimeout) {}

    public boolean configured() {
        return hasUrl() || !this.cluster.nodes().isEmpty();
    }

    /** Whether the settings name a Redis Cluster (seed nodes or a {@code redis+cluster://} URL). */
    public boolean clustered() {
        return !this.cluster.nodes().isEmpty() || (hasUrl() && this.url.trim().matches("(?i)rediss?\\+cluster://.*"));
    }

    private boolean hasUrl() {
        return this.url != null && !this.url.isBlank();
    }

    @Override
    public String toString() {
        return "RedisProperties[url=" + (hasUrl() ? "******" : "") + ", cluster-nodes="
                + this.cluster.nodes().size() + ", timeout=" + this.timeout + "]";
    }
}
