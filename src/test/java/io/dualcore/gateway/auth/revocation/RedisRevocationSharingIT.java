package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisHashReactiveCommands;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * Revocations shared through a real Redis: a change made on one instance reaches the others within the bound, an
 * instance started later loads them, and while Redis is out each instance keeps what it knows and its own changes
 * reach the others once Redis is back.
 */
@ExtendWith(RedisExtension.class)
class RedisRevocationSharingIT {

    /** The wait for a change to reach another instance: the bound is one 1 s poll; sized for a loaded CI machine. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    private final RedisServerFixture redis;

    private final List<AutoCloseable> resources = new ArrayList<>();

    RedisRevocationSharingIT(RedisServerFixture redis) {
        this.redis = redis;
    }

    @BeforeEach
    void emptySharedRevocations() {
        deleteSharedKeys(this.redis);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
        if (!this.redis.isRunning()) {
            this.redis.start();
        }
        deleteSharedKeys(this.redis);
    }

    @Test
    void revokeWhenMadeOnOneInstanceThenTheOtherEnforcesItWithinTheBoundAndTheLiftToo() {
        Instance a = instance();
        Instance b = instance();

        a.revocations.revoke(device("sensor-1"));

        await().atMost(BOUND).until(() -> b.list.get(Revocation.Kind.DEVICE, "edge", "sensor-1") != null);

        b.revocations.lift(Revocation.Kind.DEVICE, "edge", "sensor-1", "admin");

        await().atMost(BOUND).until(() -> a.list.get(Revocation.Kind.DEVICE, "edge", "sensor-1") == null);
    }

    @Test
    void startWhenRevocationsSharedThenLoadedBeforeTheFirstRequest() {
        Instance a = instance();
        a.revocations.revoke(device("sensor-2"));
        await().atMost(BOUND).until(() -> a.sharing.pendingChanges() == 0);

        Instance restarted = instance();

        assertThat(restarted.list.get(Revocation.Kind.DEVICE, "edge", "sensor-2"))
                .as("loaded at start, before any poll")
                .isNotNull();
    }

    @Test
    void redisDownWhenRevokedThenEnforcedHereAndSharedOnceRedisIsBack() {
        Instance a = instance();
        Instance b = instance();
        a.revocations.revoke(device("known-before"));
        await().atMost(BOUND).until(() -> b.list.get(Revocation.Kind.DEVICE, "edge", "known-before") != null);

        this.redis.stop();
        a.revocations.revoke(device("during-outage"));

        assertThat(a.list.get(Revocation.Kind.DEVICE, "edge", "during-outage"))
                .as("enforced at once where it was made")
                .isNotNull();
        assertThat(a.sharing.pendingChanges()).isEqualTo(1);
        await().pollDelay(Duration.ofMillis(1500))
                .atMost(BOUND)
                .untilAsserted(() -> assertThat(b.list.get(Revocation.Kind.DEVICE, "edge", "known-before"))
                        .as("what an instance knew stays enforced while Redis is out")
                        .isNotNull());

        this.redis.start();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> b.list.get(Revocation.Kind.DEVICE, "edge", "during-outage") != null);
        assertThat(a.sharing.pendingChanges()).isZero();
        // the restarted Redis came back empty: what the instances held was written back, not forgotten
        await().pollDelay(Duration.ofMillis(1000)).atMost(BOUND).untilAsserted(() -> {
            assertThat(a.list.get(Revocation.Kind.DEVICE, "edge", "known-before"))
                    .isNotNull();
            assertThat(b.list.get(Revocation.Kind.DEVICE, "edge", "known-before"))
                    .isNotNull();
            assertThat(instance().list.get(Revocation.Kind.DEVICE, "edge", "known-before"))
                    .as("in Redis again")
                    .isNotNull();
        });
    }

    @Test
    void writesRefusedWhenRedisAnswersReadOnlyThenTheInstanceStillLoadsWhatOthersShared() {
        Instance a = instance();
        // as a replica answers after a failover: every write refused, reads served
        Instance b = instance(true);
        b.revocations.revoke(device("made-on-b"));
        assertThat(b.list.get(Revocation.Kind.DEVICE, "edge", "made-on-b"))
                .as("enforced where it was made")
                .isNotNull();

        a.revocations.revoke(device("made-on-a"));

        await().atMost(BOUND).until(() -> b.list.get(Revocation.Kind.DEVICE, "edge", "made-on-a") != null);
        assertThat(b.list.get(Revocation.Kind.DEVICE, "edge", "made-on-b"))
                .as("still pending here, never lost")
                .isNotNull();
        assertThat(b.sharing.pendingChanges()).isEqualTo(1);
    }

    @Test
    void versionWentBackwardsWhenManyRevocationsHeldThenWrittenBackInOneBatch() throws Exception {
        Instance a = instance();
        int held = 2000;
        for (int i = 0; i < held; i++) {
            a.revocations.revoke(device("fleet-" + i));
        }
        await().atMost(BOUND).until(() -> a.sharing.pendingChanges() == 0);
        RedisClient client = RedisClient.create(this.redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            // the version this instance has seen, then the data lost as by a Redis restarted empty
            long version = Long.parseLong(connection.sync().get(RedisRevocationSharing.VERSION)) + 1000;
            connection.sync().set(RedisRevocationSharing.VERSION, String.valueOf(version));
            await().atMost(BOUND).until(() -> a.sharing.highestVersion() == version);
            connection.sync().del(RedisRevocationSharing.HASH, RedisRevocationSharing.VERSION);
            connection.sync().configResetstat();

            await().atMost(BOUND).until(() -> connection.sync().hlen(RedisRevocationSharing.HASH) == held);

            long hsetCalls = commandCalls(connection.sync().info("commandstats"), "hset");
            assertThat(hsetCalls)
                    .as("the %d revocations held were written back in a batch, not one command each", held)
                    .isBetween(1L, 5L);
        } finally {
            client.shutdown();
        }
    }

    private static long commandCalls(String commandStats, String command) {
        for (String line : commandStats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    private record Instance(RevocationList list, RedisRevocationSharing sharing, Revocations revocations) {}

    private Instance instance() {
        return instance(false);
    }

    @SuppressWarnings("unchecked")
    private Instance instance(boolean readOnly) {
        RedisConnections connections =
                new RedisConnections(RedisProperties.of(this.redis.uri(), Duration.ofMillis(500)));
        this.resources.add(connections);
        RevocationList list = new RevocationList(10_000, Clock.systemUTC());
        Mono<RedisHashReactiveCommands<String, String>> hashes = connections.hashes();
        if (readOnly) {
            hashes = hashes.map(real -> (RedisHashReactiveCommands<String, String>) Proxy.newProxyInstance(
                    RedisHashReactiveCommands.class.getClassLoader(),
                    new Class<?>[] {RedisHashReactiveCommands.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("hset") || method.getName().equals("hdel")) {
                            return Mono.error(new RedisCommandExecutionException(
                                    "READONLY You can't write against a read only replica."));
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException ex) {
                            throw ex.getCause();
                        }
                    }));
        }
        RedisRevocationSharing sharing = new RedisRevocationSharing(
                hashes, connections.strings(), list, Clock.systemUTC(), Duration.ofMillis(500), Duration.ofSeconds(30));
        this.resources.add(sharing);
        sharing.loadNow();
        sharing.start(Duration.ofMillis(200));
        return new Instance(list, sharing, new Revocations(list, sharing, RevocationObserver.NONE));
    }

    private static Revocation device(String device) {
        return new Revocation(
                Revocation.Kind.DEVICE,
                "edge",
                device,
                null,
                false,
                Instant.now().plusSeconds(600),
                "admin");
    }

    /** Leaves no shared revocation behind for other tests of this JVM. */
    static void deleteSharedKeys(RedisServerFixture redis) {
        if (!redis.isRunning()) {
            return;
        }
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().del(RedisRevocationSharing.HASH, RedisRevocationSharing.VERSION);
        } finally {
            client.shutdown();
        }
    }
}
