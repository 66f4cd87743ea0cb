package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Readiness tells what is known of Redis, without traffic: never {@code up} before Redis was reached (a gateway
 * started while Redis is down), {@code up} once a connection is open, {@code unreachable} once it is lost.
 */
class RedisHealthIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Redis noticed by the background attempts of health checks and lettuce's reconnects. */
    private static final Duration NOTICED = TestClients.TIMEOUT.multipliedBy(2);

    @Test
    void readinessWhenRedisDownAtStartupThenNotUpUntilReachedThenFollowsTheConnection() {
        RedisServerFixture redis = RedisServerFixture.startNew();
        assumeTrue(redis.isManaged(), "needs a Redis this test may stop (not an external REDIS_URL)");
        redis.stop();
        EchoCore core = EchoCore.start("core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        properties.put("REDIS_URL", redis.uri());
        properties.put("dualcore.redis.timeout", "500ms");
        properties.put("dualcore.rate-limit.backend", "redis");
        try (TestGateway gateway = TestGateway.start(properties)) {
            assertThat(redisDetail(gateway)).as("Redis was never reached").isIn("unknown", "unreachable");
            await().atMost(NOTICED).until(() -> redisDetail(gateway), "unreachable"::equals);
            assertThat(rateLimit(gateway).path("status").asString()).isEqualTo("DEGRADED");

            redis.start();

            await().atMost(NOTICED).until(() -> redisDetail(gateway), "up"::equals);
            assertThat(rateLimit(gateway).path("status").asString()).isEqualTo("UP");

            redis.stop();

            await().atMost(NOTICED).until(() -> redisDetail(gateway), "unreachable"::equals);
        } finally {
            redis.close();
            core.close();
        }
    }

    private static String redisDetail(TestGateway gateway) {
        return rateLimit(gateway).path("details").path("redis").asString();
    }

    private static JsonNode rateLimit(TestGateway gateway) {
        String readiness = gateway.management("/actuator/health/readiness").getBody();
        return JSON.readTree(readiness).path("components").path("rateLimit");
    }
}
