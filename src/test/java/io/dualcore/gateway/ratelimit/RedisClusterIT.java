package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.redis.RedisClusterFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.http.ResponseEntity;

/**
 * Gateways on a real Redis Cluster (3 masters, 3 replicas on loopback): one combined limit per identity across
 * gateways and across masters, a master failover with no 5xx and limits back on the cluster afterwards, and the
 * replay guard refusing a replayed {@code jti} through the cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {

    private static final byte[] DEMO_KEY = TestTokens.demoEdgeKey();

    private static final AtomicInteger DEVICES = new AtomicInteger();

    private static final int LIMIT = 10;

    private static RedisClusterFixture cluster;

    private static EchoCore core;

    private static TestGateway first;

    private static TestGateway second;

    private static Map<String, String> settings;

    /** Gateways with one-time tokens, started by the test that needs them. */
    private static TestGateway oneTimeA;

    private static TestGateway oneTimeB;

    @BeforeAll
    static void start() {
        cluster = RedisClusterFixture.start(3);
        core = EchoCore.start("core", "127.0.0.1", 0);
        settings = new LinkedHashMap<>();
        settings.put("MICROSERVICE_CORE_URI", core.uri());
        settings.put("EDGE_CORE_URI", core.uri());
        settings.put("REDIS_URL", cluster.url());
        settings.put("dualcore.redis.timeout", "300ms");
        settings.put("dualcore.redis.cluster.topology-refresh-period", "2s");
        settings.put("dualcore.redis.cluster.adaptive-refresh-timeout", "500ms");
        settings.put("dualcore.redis.circuit-breaker.minimum-calls", "4");
        settings.put("dualcore.redis.circuit-breaker.open-for", "500ms");
        settings.put("dualcore.rate-limit.backend", "redis");
        settings.put("dualcore.rate-limit.instances", "2");
        settings.put("dualcore.rate-limit.circuit-breaker.minimum-calls", "4");
        settings.put("dualcore.rate-limit.circuit-breaker.open-for", "500ms");
        settings.put("dualcore.rate-limit.plans.devices.bandwidths[0].capacity", String.valueOf(LIMIT));
        settings.put("dualcore.rate-limit.plans.devices.bandwidths[0].refill-period", "1h");
        settings.put("dualcore.rate-limit.plans.devices.on-redis-failure", "local-fallback");
        settings.put("dualcore.routes.edge-core.rate-limit.edge", "devices");
        first = TestGateway.start(settings);
        second = TestGateway.start(settings);
        awaitLimitsOnCluster(first);
        awaitLimitsOnCluster(second);
    }

    /** Connecting to a cluster takes a moment; until then a gateway limits locally. */
    private static void awaitLimitsOnCluster(TestGateway gateway) {
        awaitLimitsOnCluster(gateway, -1);
    }

    /**
     * Until a new identity's bucket appears on the cluster through this gateway; with a slot (0 and up), only
     * identities whose bucket key hashes to that slot count (a gateway can reach most masters while its view of
     * one failed-over slot is still stale).
     */
    private static void awaitLimitsOnCluster(TestGateway gateway, int slot) {
        await("limits of gateway " + gateway.port() + " on the cluster" + (slot < 0 ? "" : " for slot " + slot))
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String probe = slot < 0 ? newDevice() : newDeviceInSlot(slot);
                    return status(gateway, probe) == 200 && existsOnCluster(probe);
                });
    }

    @AfterAll
    static void stop() {
        // closed only at the end: closing one in-JVM gateway disposes Reactor Netty's global resources, which
        // every other gateway in this JVM serves on
        for (TestGateway gateway : new TestGateway[] {oneTimeA, oneTimeB}) {
            if (gateway != null) {
                gateway.close();
            }
        }
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
        if (core != null) {
            core.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void twoGatewaysWhenIdentitiesOnDifferentMastersThenOneCombinedLimitEach() {
        // one device per master: each first request creates its bucket, which shows which master holds it
        Map<Integer, String> deviceByMaster = new HashMap<>();
        for (int attempt = 0; attempt < 200 && deviceByMaster.size() < 3; attempt++) {
            String device = newDevice();
            assertThat(status(first, device)).isEqualTo(200);
            deviceByMaster.putIfAbsent(masterHolding(device), device);
        }
        assertThat(deviceByMaster).as("buckets on three different masters").hasSize(3);
        for (String device : deviceByMaster.values()) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 1; i < 2 * LIMIT; i++) {
                statuses.add(status(i % 2 == 0 ? first : second, device));
            }
            // the first request above took one token: LIMIT - 1 more, then limited, whichever gateway asks
            assertThat(statuses.subList(0, LIMIT - 1)).as(device).containsOnly(200);
            assertThat(statuses.subList(LIMIT - 1, statuses.size())).as(device).containsOnly(429);
        }
    }

    @Test
    @Order(2)
    void oneTimeTokenWhenReplayedThroughOtherGatewayThenRefusedByTheCluster() {
        // gateways of their own: while a master fails over, one-time tokens fail closed (503), which the
        // failover test below must not see
        Map<String, String> oneTime = new LinkedHashMap<>(settings);
        oneTime.put("dualcore.auth.edge.replay-protection", "true");
        oneTimeA = TestGateway.start(oneTime);
        oneTimeB = TestGateway.start(oneTime);
        for (TestGateway gateway : List.of(oneTimeA, oneTimeB)) {
            await("replay guard of gateway " + gateway.port() + " connected to the cluster")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> status(gateway, newDevice()) == 200);
        }
        for (int i = 0; i < 6; i++) {
            // distinct tokens spread over the slots of every master
            String token = token(newDevice());
            assertThat(oneTimeA.get("/edge/data", token).getStatusCode().value())
                    .isEqualTo(200);
            ResponseEntity<String> replay = oneTimeB.get("/edge/data", token);
            assertThat(replay.getStatusCode().value()).isEqualTo(401);
            assertThat(replay.getBody()).contains("\"code\":\"token_replayed\"");
            assertThat(oneTimeA.get("/edge/data", token).getStatusCode().value())
                    .isEqualTo(401);
        }
    }

    @Test
    @Order(3)
    void masterKilledWhenUnderLoadThenNo5xxAndLimitsBackOnTheClusterAfterFailover() throws Exception {
        String device = newDevice();
        assertThat(status(first, device)).isEqualTo(200);
        int slot = RedisClusterFixture.slot(keyOf(device));

        ConcurrentLinkedQueue<Integer> during = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            int i = 0;
            while (running.get()) {
                // steady traffic from identities all over the slots, through both gateways
                during.add(status(i++ % 2 == 0 ? first : second, newDevice()));
            }
        });
        load.start();
        try {
            int promoted = cluster.killMasterAndAwaitFailover(slot);
            assertThat(promoted).isPositive();
            // both gateways return to the shared limit: a new identity's bucket in the failed-over slot appears on
            // the cluster again through each of them
            awaitLimitsOnCluster(first, slot);
            awaitLimitsOnCluster(second, slot);
        } finally {
            running.set(false);
            load.join();
        }
        assertThat(during).isNotEmpty().allMatch(status -> status == 200 || status == 429);

        // in the failed-over slot: the limit that had to move to the promoted replica
        String after = newDeviceInSlot(slot);
        int allowed = 0;
        for (int i = 0; i < LIMIT + 4; i++) {
            if (status(i % 2 == 0 ? first : second, after) == 200) {
                allowed++;
            }
        }
        assertThat(allowed).as("one combined limit on the cluster again").isEqualTo(LIMIT);
    }

    private static String keyOf(String device) {
        return "dualcore:rl:edge-core|devices|edge|edge|" + device;
    }

    private static int masterHolding(String device) {
        int slot = RedisClusterFixture.slot(keyOf(device));
        long exists = cluster.onMasterFor(slot, redis -> redis.exists(keyOf(device)));
        assertThat(exists).as("bucket of " + device + " in slot " + slot).isEqualTo(1L);
        return cluster.masterPortFor(slot);
    }

    private static boolean existsOnCluster(String device) {
        int slot = RedisClusterFixture.slot(keyOf(device));
        try {
            return cluster.onMasterFor(slot, redis -> redis.exists(keyOf(device))) == 1L;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    private static String newDevice() {
        return "device-" + DEVICES.incrementAndGet() + "-" + System.nanoTime();
    }

    /** A new device whose bucket key hashes to this cluster slot (one try in 16,384 on average: microseconds). */
    private static String newDeviceInSlot(int slot) {
        while (true) {
            String device = newDevice();
            if (RedisClusterFixture.slot(keyOf(device)) == slot) {
                return device;
            }
        }
    }

    private static String token(String device) {
        return TestTokens.edge("edge-demo-1", DEMO_KEY, JWSAlgorithm.HS256, "dualcore-edge")
                .claim("sub", device)
                .sign();
    }

    private static int status(TestGateway gateway, String device) {
        return gateway.get("/edge/data", token(device)).getStatusCode().value();
    }
}
