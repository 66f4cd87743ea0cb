package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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

    private record Instance(RevocationList list, RedisRevocationSharing sharing, Revocations revocations) {}

    private Instance instance() {
        RedisConnections connections =
                new RedisConnections(RedisProperties.of(this.redis.uri(), Duration.ofMillis(500)));
        this.resources.add(connections);
        RevocationList list = new RevocationList(1000, Clock.systemUTC());
        RedisRevocationSharing sharing = new RedisRevocationSharing(
                connections.hashes(),
                connections.strings(),
                list,
                Clock.systemUTC(),
                Duration.ofMillis(500),
                Duration.ofSeconds(30));
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
