package io.dualcore.gateway.ratelimit;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * How many gateways share one Redis right now, so that each one's {@code local-fallback} share is its plan divided by
 * the gateways really running, not by a number someone keeps in step with the replica count by hand.
 *
 * <p>Each gateway holds a member of one sorted set, scored with its own expiry, and renews it in the background; a
 * single Lua script on that one key registers, drops expired members (by Redis's clock, so gateways' clocks may
 * disagree) and counts the rest. One key rather than a key per instance: counting keys would need a scan of every
 * master of a Redis Cluster, and an expired-but-not-yet-evicted key would still be counted. While Redis is
 * unreachable the last count seen stays in force; before Redis was ever reached, the configured static number does.
 */
public final class GatewayInstances implements IntSupplier, AutoCloseable {

    private static final Log logger = LogFactory.getLog(GatewayInstances.class);

    /** KEYS[1] the set, ARGV[1] this instance, ARGV[2] ttl in ms; returns the live members. */
    private static final String REGISTER = """
            redis.replicate_commands()
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local ttl = tonumber(ARGV[2])
            redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            redis.call('PEXPIRE', KEYS[1], 2 * ttl)
            return redis.call('ZCARD', KEYS[1])
            """;

    private static final String DEREGISTER = "return redis.call('ZREM', KEYS[1], ARGV[1])";

    private final Mono<RedisScriptingReactiveCommands<String, String>> redis;

    private final String key;

    private final String instanceId;

    private final Duration ttl;

    private final Duration renewEvery;

    private final Duration timeout;

    private final AtomicInteger live;

    private final AtomicBoolean stale = new AtomicBoolean(true);

    private volatile Disposable renewal;

    /**
     * @param redis scripting commands on the shared Redis (standalone or cluster)
     * @param group gateways sharing limits; each group has its own count
     * @param instanceId this gateway, unique within the group
     * @param ttl how long a registration lives without renewal
     * @param renewEvery how often this gateway renews (well under {@code ttl})
     * @param timeout most time one renewal may take
     * @param initial the count until Redis first answers (the static {@code dualcore.rate-limit.instances})
     */
    public GatewayInstances(
            Mono<RedisScriptingReactiveCommands<String, String>> redis,
            String group,
            String instanceId,
            Duration ttl,
            Duration renewEvery,
            Duration timeout,
            int initial) {
        Assert.isTrue(renewEvery.compareTo(ttl) < 0, "renewEvery must be shorter than ttl");
        Assert.isTrue(initial > 0, "initial must be positive");
        this.redis = redis;
        this.key = "dualcore:instances:" + group;
        this.instanceId = instanceId;
        this.ttl = ttl;
        this.renewEvery = renewEvery;
        this.timeout = timeout;
        this.live = new AtomicInteger(initial);
    }

    /** Registers now and then every {@code renewEvery}, in the background. */
    public synchronized void start() {
        if (this.renewal == null) {
            this.renewal = Flux.interval(Duration.ZERO, this.renewEvery, Schedulers.parallel())
                    .onBackpressureDrop()
                    .concatMap(tick -> renew(), 1)
                    .subscribe();
        }
    }

    /** Registers (or renews) this gateway once and returns the live count; the last count on failure. */
    public Mono<Integer> renew() {
        return this.redis
                .flatMap(redis -> redis.<Long>eval(
                                REGISTER,
                                ScriptOutputType.INTEGER,
                                new String[] {this.key},
                                this.instanceId,
                                String.valueOf(this.ttl.toMillis()))
                        .next())
                .timeout(this.timeout)
                .map(count -> {
                    // never below one: this gateway is running, whatever a lagging replica said
                    int instances = (int) Math.max(1, count);
                    int before = this.live.getAndSet(instances);
                    if (before != instances && logger.isInfoEnabled()) {
                        logger.info("Gateways sharing rate limits: " + instances + " (was " + before + ")");
                    }
                    this.stale.set(false);
                    return instances;
                })
                .onErrorResume(ex -> {
                    if (!this.stale.getAndSet(true) && logger.isWarnEnabled()) {
                        logger.warn("Cannot renew this gateway's registration in Redis ("
                                + ex.getClass().getSimpleName() + "); keeping the last count of " + this.live.get()
                                + " gateways");
                    }
                    return Mono.just(this.live.get());
                });
    }

    /** The number of live gateways last seen (at least 1). */
    @Override
    public int getAsInt() {
        return this.live.get();
    }

    /** Whether the last renewal failed (or none succeeded yet), so the count may be out of date. */
    public boolean stale() {
        return this.stale.get();
    }

    /** Stops renewing and deregisters, so the other gateways' shares grow at once rather than after the ttl. */
    @Override
    public synchronized void close() {
        if (this.renewal != null) {
            this.renewal.dispose();
            this.renewal = null;
        }
        try {
            this.redis
                    .flatMap(redis -> redis.<Long>eval(
                                    DEREGISTER, ScriptOutputType.INTEGER, new String[] {this.key}, this.instanceId)
                            .next())
                    .timeout(this.timeout)
                    .block();
        } catch (RuntimeException ex) {
            // Redis is gone: the registration expires by itself after the ttl
            logger.debug("Could not deregister from Redis", ex);
        }
    }
}
