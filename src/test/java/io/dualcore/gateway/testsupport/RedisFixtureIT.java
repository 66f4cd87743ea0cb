package io.dualcore.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the Redis test fixture gives a real server with the semantics the gateway relies on. */
@ExtendWith(RedisExtension.class)
class RedisFixtureIT {

    private final RedisServerFixture redis;
    private ClientResources resources;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    RedisFixtureIT(RedisServerFixture redis) {
        this.redis = redis;
    }

    @BeforeEach
    void connect() {
        redis.flushAll();
        // reconnect quickly and fail commands fast, so the outage test does not wait on lettuce's 30s backoff
        resources = ClientResources.builder()
                .reconnectDelay(Delay.constant(Duration.ofMillis(100)))
                .build();
        client = RedisClient.create(resources, redis.uri());
        client.setOptions(ClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1)))
                .build());
        connection = client.connect();
    }

    @AfterEach
    void disconnect() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Test
    void setThenGetReturnsTheStoredValue() {
        RedisCommands<String, String> commands = connection.sync();

        assertThat(commands.set("greeting", "hello")).isEqualTo("OK");
        assertThat(commands.get("greeting")).isEqualTo("hello");
    }

    @Test
    void setNxPxOnlySetsAnAbsentKeyAndGivesItATtl() {
        RedisCommands<String, String> commands = connection.sync();
        SetArgs nxPx = SetArgs.Builder.nx().px(60_000);

        assertThat(commands.set("lock", "first", nxPx)).isEqualTo("OK");
        assertThat(commands.set("lock", "second", nxPx))
                .as("SET NX on an existing key is a no-op with a null reply")
                .isNull();
        assertThat(commands.get("lock")).isEqualTo("first");
        assertThat(commands.pttl("lock")).isBetween(1L, 60_000L);
    }

    @Test
    void keyWithPxTtlExpires() throws InterruptedException {
        RedisCommands<String, String> commands = connection.sync();

        // read it back under a long TTL (a stalled machine must not expire it first), then shorten the TTL
        commands.set("short-lived", "v", SetArgs.Builder.px(60_000));
        assertThat(commands.get("short-lived")).isEqualTo("v");
        assertThat(commands.pexpire("short-lived", 200)).isTrue();

        await().atMost(TestClients.TIMEOUT).until(() -> commands.exists("short-lived") == 0);
        assertThat(commands.get("short-lived")).as("key after its 200ms TTL").isNull();
    }

    @Test
    void stopThenStartOnSamePortClientReconnects() {
        assumeTrue(redis.isManaged(), "an external Redis (REDIS_URL) cannot be stopped by the test");
        RedisCommands<String, String> commands = connection.sync();
        commands.set("before-outage", "v");
        int port = redis.port();

        try {
            redis.stop();
            assertThat(redis.isRunning()).isFalse();
            assertThatThrownBy(() -> commands.get("before-outage")).isInstanceOf(RedisException.class);
        } finally {
            redis.start();
        }

        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.isRunning()).isTrue();
        // the same connection object recovers on its own: lettuce reconnects to the unchanged address
        assertThat(commands.get("before-outage"))
                .as("nothing survives a restart without persistence")
                .isNull();
        assertThat(commands.set("after-outage", "v2")).isEqualTo("OK");
        assertThat(commands.get("after-outage")).isEqualTo("v2");
    }
}
