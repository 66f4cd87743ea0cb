package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.support.redis.RedisCircuitBreakers;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * Gateways sharing a real Redis count each other: each one's local-fallback share follows the number of live
 * gateways, drops back when one stops renewing, and stays at the last count while Redis is out.
 */
@ExtendWith(RedisExtension.class)
class GatewayInstancesIT {

    private static final Duration TTL = Duration.ofSeconds(1);

    private static final Duration RENEW_EVERY = Duration.ofMillis(200);

    private static final Duration AWAIT = Duration.ofSeconds(15);

    private static final AtomicInteger KEYS = new AtomicInteger();

    private static final RatePlan PLAN = RatePlan.of(
            "devices",
            new RateLimitProperties.Plan(
                    List.of(new RateLimitProperties.Bandwidth(30, null, Duration.ofHours(1))),
                    RatePlan.FailurePolicy.LOCAL_FALLBACK,
                    "identity"));

    private final RedisServerFixture redis;

    private final String group = "test-" + UUID.randomUUID();

    private final List<AutoCloseable> resources = new ArrayList<>();

    GatewayInstancesIT(RedisServerFixture redis) {
        this.redis = redis;
    }

    @AfterEach
    void close() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
        if (!this.redis.isRunning()) {
            this.redis.start();
        }
    }

    @Test
    void threeGatewaysWhenRegisteredThenShareIsAThirdAndGrowsBackWhenOneStopsRenewing() {
        GatewayInstances a = instance(connections());
        ResilientRateLimiter limiter = limiterOutOfRedis(a);
        await("one gateway registered").atMost(AWAIT).until(() -> a.getAsInt() == 1 && !a.stale());
        assertThat(allowedForNewKey(limiter)).isEqualTo(30);

        instance(connections());
        RedisConnections crashing = connections();
        GatewayInstances c = instance(crashing);
        await("three gateways registered").atMost(AWAIT).until(() -> a.getAsInt() == 3);
        assertThat(limiter.instances()).isEqualTo(3);
        assertThat(allowedForNewKey(limiter)).isEqualTo(10);

        // c dies without deregistering: its Redis client goes first, so its goodbye never arrives
        crashing.close();
        c.close();
        await("the silent gateway expired").atMost(AWAIT).until(() -> a.getAsInt() == 2);
        assertThat(allowedForNewKey(limiter)).isEqualTo(15);
    }

    @Test
    void gatewayWhenClosedThenDeregistersAtOnce() {
        GatewayInstances a = instance(connections());
        GatewayInstances b = instance(connections());
        await().atMost(AWAIT).until(() -> a.getAsInt() == 2 && b.getAsInt() == 2);
        b.close();
        // renewals come every 200 ms, the ttl is 1 s: only a deregistration is seen this soon
        assertThat(a.renew().block(AWAIT)).isEqualTo(1);
    }

    @Test
    void redisDownWhenRenewalsFailThenLastCountStays() {
        GatewayInstances a = instance(connections());
        instance(connections());
        await().atMost(AWAIT).until(() -> a.getAsInt() == 2 && !a.stale());
        this.redis.stop();
        await("a failed renewal").atMost(AWAIT).until(a::stale);
        assertThat(a.renew().block(AWAIT)).isEqualTo(2);
        assertThat(a.getAsInt()).isEqualTo(2);
        this.redis.start();
        await("renewals succeed again").atMost(AWAIT).until(() -> !a.stale());
    }

    @Test
    void noRedisEverWhenStartedThenStaticCountApplies() {
        RedisConnections unreachable =
                new RedisConnections(RedisProperties.of("redis://127.0.0.1:" + unusedPort(), Duration.ofMillis(200)));
        this.resources.add(unreachable);
        GatewayInstances a = new GatewayInstances(
                unreachable.scripting(), this.group, "a", TTL, RENEW_EVERY, Duration.ofMillis(200), 4);
        this.resources.add(a);
        assertThat(a.renew().block(AWAIT)).isEqualTo(4);
        assertThat(a.stale()).isTrue();
    }

    private RedisConnections connections() {
        RedisConnections connections =
                new RedisConnections(RedisProperties.of(this.redis.uri(), Duration.ofSeconds(1)));
        this.resources.add(connections);
        return connections;
    }

    private GatewayInstances instance(RedisConnections connections) {
        GatewayInstances instance = new GatewayInstances(
                connections.scripting(),
                this.group,
                "gw-" + UUID.randomUUID(),
                TTL,
                RENEW_EVERY,
                Duration.ofSeconds(1),
                1);
        // closed before its connections (resources close in reverse order)
        this.resources.add(instance);
        instance.start();
        return instance;
    }

    /** A limiter whose Redis is out (breaker forced open), so every decision is the local-fallback share. */
    private static ResilientRateLimiter limiterOutOfRedis(GatewayInstances instances) {
        CircuitBreaker breaker = RedisCircuitBreakers.create("test", 50, 5, Duration.ofMinutes(1));
        breaker.transitionToForcedOpenState();
        RateLimiter dead = (key, plan) -> Mono.error(new IllegalStateException("not reached"));
        return new ResilientRateLimiter(dead, new LocalRateLimiter(1_000), breaker, Duration.ofSeconds(1), instances);
    }

    private static int allowedForNewKey(ResilientRateLimiter limiter) {
        String key = "key-" + KEYS.incrementAndGet();
        int allowed = 0;
        for (int i = 0; i < 40; i++) {
            RateLimitDecision decision = limiter.consume(key, PLAN).block(AWAIT);
            if (decision.allowed()) {
                allowed++;
            }
        }
        return allowed;
    }

    private static int unusedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
