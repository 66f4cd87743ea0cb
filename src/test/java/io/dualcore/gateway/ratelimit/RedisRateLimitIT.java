package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.DualcoreGatewayApplication;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Two gateway instances on one real Redis: one combined limit per identity, expiring keys, hot and cold keys, and
 * what each failure policy does while Redis is stopped and after it returns.
 */
@ExtendWith(RedisExtension.class)
class RedisRateLimitIT {

    private static final byte[] DEMO_KEY = TestTokens.demoEdgeKey();

    private static final AtomicInteger DEVICES = new AtomicInteger();

    private static EchoCore core;

    private static ConfigurableApplicationContext first;

    private static ConfigurableApplicationContext second;

    private static RedisClient redisClient;

    private final RedisServerFixture redis;

    RedisRateLimitIT(RedisServerFixture redis) {
        this.redis = redis;
    }

    @BeforeAll
    static void startGateways(RedisServerFixture redis) {
        core = EchoCore.start("core", "127.0.0.1", 0);
        first = gateway(redis);
        second = gateway(redis);
        redisClient = RedisClient.create(redis.uri());
    }

    private static ConfigurableApplicationContext gateway(RedisServerFixture redis) {
        return new SpringApplicationBuilder(DualcoreGatewayApplication.class)
                // command-line arguments: they outrank config/application.yml, as a deployment's would
                .run(
                        "--server.port=0",
                        "--management.server.port=0",
                        "--MICROSERVICE_CORE_URI=" + core.uri(),
                        "--EDGE_CORE_URI=" + core.uri(),
                        "--REDIS_URL=" + redis.uri(),
                        "--dualcore.redis.timeout=300ms",
                        "--dualcore.rate-limit.backend=redis",
                        "--dualcore.rate-limit.instances=2",
                        "--dualcore.rate-limit.circuit-breaker.minimum-calls=4",
                        "--dualcore.rate-limit.circuit-breaker.open-for=1s",
                        "--dualcore.rate-limit.plans.devices.bandwidths[0].capacity=10",
                        "--dualcore.rate-limit.plans.devices.bandwidths[0].refill-period=1m",
                        "--dualcore.rate-limit.plans.devices.on-redis-failure=local-fallback",
                        "--dualcore.rate-limit.plans.public.bandwidths[0].capacity=3",
                        "--dualcore.rate-limit.plans.public.bandwidths[0].refill-period=2s",
                        "--dualcore.rate-limit.plans.public.on-redis-failure=fail-closed",
                        "--dualcore.rate-limit.plans.admins.bandwidths[0].capacity=5",
                        "--dualcore.rate-limit.plans.admins.bandwidths[0].refill-period=1m",
                        "--dualcore.rate-limit.plans.admins.on-redis-failure=fail-open",
                        "--dualcore.routes.edge-core.rate-limit.edge=devices",
                        "--dualcore.routes.public-health.rate-limit.anonymous=public",
                        "--dualcore.routes.public-health.rate-limit.edge=admins");
    }

    @AfterAll
    static void stopGateways() {
        first.close();
        second.close();
        redisClient.shutdown();
        core.close();
    }

    @BeforeEach
    void redisUp() {
        if (!this.redis.isRunning()) {
            this.redis.start();
        }
    }

    @AfterEach
    void restoreRedis() {
        redisUp();
    }

    @Test
    void twoGatewaysWhenSameDeviceThenOneCombinedLimit() {
        String token = edgeToken(newDevice());
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(status(i % 2 == 0 ? first : second, "/edge/data", token));
        }
        assertThat(statuses.stream().filter(s -> s == 200)).hasSize(10);
        assertThat(statuses.stream().filter(s -> s == 429)).hasSize(10);
        assertThat(statuses.subList(0, 10)).containsOnly(200);
    }

    @Test
    void limitedResponseThenRetryAfterProblemAndRateLimitHeaders() {
        String token = edgeToken(newDevice());
        for (int i = 0; i < 10; i++) {
            assertThat(status(first, "/edge/data", token)).isEqualTo(200);
        }
        WebClient.ResponseSpec limited = client(second)
                .get()
                .uri("/edge/data")
                .headers(h -> h.setBearerAuth(token))
                .retrieve();
        var response = limited.onStatus(HttpStatusCode::isError, r -> reactor.core.publisher.Mono.empty())
                .toEntity(String.class)
                .block(TestClients.TIMEOUT);
        assertThat(response.getStatusCode().value()).isEqualTo(429);
        assertThat(response.getHeaders().getFirst("Retry-After")).isNotNull();
        assertThat(Long.parseLong(response.getHeaders().getFirst("Retry-After")))
                .isBetween(1L, 60L);
        assertThat(response.getHeaders().getFirst("RateLimit-Policy")).isEqualTo("\"devices\";q=10;w=60");
        assertThat(response.getHeaders().getFirst("RateLimit")).startsWith("\"devices\";r=0;t=");
        assertThat(response.getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
        assertThat(response.getBody()).contains("\"code\":\"rate_limited\"");
    }

    @Test
    void manyColdKeysAndOneHotKeyThenEachOwnBucket() {
        for (int i = 0; i < 100; i++) {
            assertThat(status(i % 2 == 0 ? first : second, "/edge/data", edgeToken(newDevice())))
                    .isEqualTo(200);
        }
        String hot = edgeToken(newDevice());
        int allowed = 0;
        for (int i = 0; i < 40; i++) {
            if (status(first, "/edge/data", hot) == 200) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(10);
    }

    @Test
    void bucketKeysInRedisThenExpireAfterRefill() throws Exception {
        String device = newDevice();
        for (int i = 0; i < 3; i++) {
            status(first, "/api/public/ping", null);
        }
        try (StatefulRedisConnection<String, String> connection = redisClient.connect()) {
            List<String> keys = connection.sync().keys("dualcore:rl:public-health|public|*");
            assertThat(keys).isNotEmpty();
            long ttl = connection.sync().pttl(keys.get(0));
            assertThat(ttl)
                    .isPositive()
                    .isLessThanOrEqualTo(Duration.ofSeconds(4).toMillis());
            // expiry is what is tested: wait for it with a deadline well past the TTL, not a fixed sleep
            await().atMost(Duration.ofMillis(ttl).plus(TestClients.TIMEOUT))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> connection.sync().exists(keys.get(0)) == 0);
        }
        assertThat(device).isNotEmpty();
    }

    @Test
    void redisStoppedThenNo5xxPoliciesApplyAndLimitsReturnToRedis() throws Exception {
        String token = edgeToken(newDevice());
        this.redis.stop();
        // local-fallback: each gateway allows its share (10 / 2 instances = 5), never a 5xx
        List<Integer> fallback = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            fallback.add(status(first, "/edge/data", token));
        }
        assertThat(fallback).containsOnly(200, 429);
        assertThat(fallback.stream().filter(s -> s == 200)).hasSize(5);
        // the breaker keeps requests from each waiting out the dead Redis: it opened and cannot close while
        // Redis is down (a state, not a timing, so a stalled machine cannot fail it)
        assertThat(limiter(first).breaker().getState()).isNotEqualTo(CircuitBreaker.State.CLOSED);
        // fail-closed: refused as limited, with Retry-After, not an error
        assertThat(status(first, "/api/public/ping", null)).isEqualTo(429);
        // fail-open: let through
        assertThat(status(first, "/api/public/ping", edgeToken(newDevice()))).isEqualTo(200);

        this.redis.start();
        // past open-for, a probe request per gateway closes its breaker once Redis answers again
        await().atMost(TestClients.TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (ConfigurableApplicationContext gateway : List.of(first, second)) {
                if (limiter(gateway).breaker().getState() != CircuitBreaker.State.CLOSED) {
                    status(gateway, "/edge/data", edgeToken(newDevice()));
                }
            }
            return limiter(first).breaker().getState() == CircuitBreaker.State.CLOSED
                    && limiter(second).breaker().getState() == CircuitBreaker.State.CLOSED;
        });
        String after = edgeToken(newDevice());
        int allowed = 0;
        for (int i = 0; i < 14; i++) {
            if (status(i % 2 == 0 ? first : second, "/edge/data", after) == 200) {
                allowed++;
            }
        }
        assertThat(allowed).as("back on the shared Redis limit").isEqualTo(10);
        try (StatefulRedisConnection<String, String> connection = redisClient.connect()) {
            assertThat(connection.sync().keys("dualcore:rl:edge-core|devices|*"))
                    .isNotEmpty();
        }
    }

    private static String newDevice() {
        return "device-" + DEVICES.incrementAndGet() + "-" + System.nanoTime();
    }

    private static String edgeToken(String device) {
        return TestTokens.edge("edge-demo-1", DEMO_KEY, JWSAlgorithm.HS256, "dualcore-edge")
                .claim("sub", device)
                .sign();
    }

    private static int status(ConfigurableApplicationContext gateway, String path, String token) {
        return client(gateway)
                .get()
                .uri(path)
                .headers(h -> {
                    if (token != null) {
                        h.setBearerAuth(token);
                    }
                })
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value()))
                .block(TestClients.TIMEOUT);
    }

    private static ResilientRateLimiter limiter(ConfigurableApplicationContext gateway) {
        return gateway.getBean(ResilientRateLimiter.class);
    }

    private static WebClient client(ConfigurableApplicationContext gateway) {
        int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
        return TestClients.webClient(port);
    }
}
