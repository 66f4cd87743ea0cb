package io.dualcore.gateway.ratelimit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

/**
 * Puts a timeout and a circuit breaker around the shared backend, so that no request waits out a dead Redis more
 * than once per breaker window, and applies each plan's failure policy while Redis is out: fail open, fail
 * closed, or limit locally with the plan divided among the gateways (their static number, or the live count from
 * {@link GatewayInstances}). When the breaker closes again, limits return to Redis by themselves.
 */
public final class ResilientRateLimiter implements RateLimiter {

    private static final Log logger = LogFactory.getLog(ResilientRateLimiter.class);

    private final RateLimiter shared;

    private final LocalRateLimiter fallback;

    private final CircuitBreaker breaker;

    private final Duration timeout;

    private final IntSupplier instances;

    private final Supplier<Backend> reachability;

    /** What is known of the shared backend. */
    public enum Backend {
        /** Not contacted yet (the first connection attempt has not ended): neither up nor down is known. */
        UNKNOWN,
        /** Reachable. */
        UP,
        /** Not reachable (no connection, or the breaker is open): each plan's failure policy applies. */
        UNREACHABLE
    }

    /**
     * Each plan's local share per gateway count, built once so its fallback buckets persist across requests (a
     * bucket is rebuilt when the count, and so its share, changes).
     */
    private final Map<Share, RatePlan> shares = new ConcurrentHashMap<>();

    public ResilientRateLimiter(
            RateLimiter shared, LocalRateLimiter fallback, CircuitBreaker breaker, Duration timeout, int instances) {
        this(shared, fallback, breaker, timeout, () -> instances);
    }

    /** @param instances the number of gateways sharing the limits, asked whenever a fallback share is needed */
    public ResilientRateLimiter(
            RateLimiter shared,
            LocalRateLimiter fallback,
            CircuitBreaker breaker,
            Duration timeout,
            IntSupplier instances) {
        this(shared, fallback, breaker, timeout, instances, () -> Backend.UNKNOWN);
    }

    /**
     * @param instances the number of gateways sharing the limits, asked whenever a fallback share is needed
     * @param reachability what the backend's connection says without a command (asked by health checks only)
     */
    public ResilientRateLimiter(
            RateLimiter shared,
            LocalRateLimiter fallback,
            CircuitBreaker breaker,
            Duration timeout,
            IntSupplier instances,
            Supplier<Backend> reachability) {
        this.reachability = reachability;
        this.shared = shared;
        this.fallback = fallback;
        this.breaker = breaker;
        this.timeout = timeout;
        this.instances = instances;
    }

    @Override
    public Mono<RateLimitDecision> consume(String key, RatePlan plan) {
        // deferred: an open breaker must keep a backend from doing any work at all
        return Mono.defer(() -> this.shared.consume(key, plan))
                .timeout(
                        this.timeout, Mono.error(() -> new TimeoutException("Redis did not answer in " + this.timeout)))
                .transformDeferred(CircuitBreakerOperator.of(this.breaker))
                .onErrorResume(ex -> onFailure(key, plan, ex));
    }

    private Mono<RateLimitDecision> onFailure(String key, RatePlan plan, Throwable ex) {
        if (logger.isDebugEnabled()) {
            logger.debug("Rate-limit backend unavailable (" + ex + "), plan " + plan.name() + " applies "
                    + plan.failurePolicy());
        }
        return switch (plan.failurePolicy()) {
            case FAIL_OPEN -> Mono.just(RateLimitDecision.failedOpen(plan));
            case FAIL_CLOSED -> Mono.error(new RateLimitUnavailableException());
            case LOCAL_FALLBACK ->
                Mono.just(this.fallback.consumeNow(key, shareOf(plan)).asFallback());
        };
    }

    /** The plan's local-fallback share for the number of gateways now sharing it. */
    RatePlan shareOf(RatePlan plan) {
        int instances = Math.max(1, this.instances.getAsInt());
        return this.shares.computeIfAbsent(new Share(plan, instances), share -> plan.scaledDown(instances));
    }

    /** The number of gateways the fallback shares are divided by now. */
    public int instances() {
        return Math.max(1, this.instances.getAsInt());
    }

    private record Share(RatePlan plan, int instances) {}

    /** Whether requests currently skip Redis. */
    public boolean degraded() {
        return this.breaker.getState() == CircuitBreaker.State.OPEN
                || this.breaker.getState() == CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * What is known of the shared backend: {@link Backend#UNREACHABLE} while the breaker is open, else what its
     * connection says ({@link Backend#UNKNOWN} until the first connection attempt ends).
     */
    public Backend backend() {
        return degraded() ? Backend.UNREACHABLE : this.reachability.get();
    }

    public CircuitBreaker breaker() {
        return this.breaker;
    }
}
