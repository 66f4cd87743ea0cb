package io.dualcore.gateway.support.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.testsupport.TestClients;
import io.lettuce.core.RedisURI;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConnectionsTests {

    private static final Duration TIMEOUT = Duration.ofMillis(250);

    @Test
    void reachabilityWhenNoAttemptYetThenUnknownAndWhenNothingListensThenUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (RedisConnections connections =
                new RedisConnections(RedisProperties.of("redis://127.0.0.1:" + port, TIMEOUT))) {
            assertThat(connections.reachability())
                    .as("never contacted: not up")
                    .isEqualTo(RedisConnections.Reachability.UNKNOWN);

            connections.warmUp();

            await().atMost(TestClients.TIMEOUT)
                    .until(connections::reachability, RedisConnections.Reachability.UNREACHABLE::equals);
        }
    }

    @Test
    void clusterUrlWhenSeveralHostsThenOneSeedEachWithCredentialsTlsAndTimeout() {
        RedisProperties properties =
                RedisProperties.of("rediss+cluster://app:s3cret@10.0.0.1:7000,10.0.0.2:7001,redis-2:7002", TIMEOUT);
        assertThat(properties.clustered()).isTrue();
        List<RedisURI> seeds = RedisConnections.seedNodes(properties);
        assertThat(seeds).extracting(RedisURI::getHost).containsExactly("10.0.0.1", "10.0.0.2", "redis-2");
        assertThat(seeds).extracting(RedisURI::getPort).containsExactly(7000, 7001, 7002);
        assertThat(seeds).allSatisfy(seed -> {
            assertThat(seed.isSsl()).isTrue();
            assertThat(seed.getUsername()).isEqualTo("app");
            assertThat(new String(seed.getPassword())).isEqualTo("s3cret");
            assertThat(seed.getTimeout()).isEqualTo(TIMEOUT);
        });
    }

    @Test
    void plainUrlWhenNoClusterSchemeThenStandalone() {
        assertThat(RedisProperties.of("redis://localhost:6379", TIMEOUT).clustered())
                .isFalse();
        assertThat(RedisProperties.of("redis-sentinel://localhost:26379#mymaster", TIMEOUT)
                        .clustered())
                .isFalse();
    }

    @Test
    void seedNodeListWhenSetThenClusterFromEachUri() {
        RedisProperties properties = new RedisProperties(
                null,
                TIMEOUT,
                new RedisProperties.Cluster(
                        List.of("redis://:pw@a:7000", "rediss://b:7001"),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(5)),
                new RedisProperties.CircuitBreaker(50, 5, Duration.ofSeconds(5)));
        assertThat(properties.configured()).isTrue();
        assertThat(properties.clustered()).isTrue();
        assertThat(RedisConnections.seedNodes(properties))
                .extracting(RedisURI::getHost, RedisURI::isSsl)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", false),
                        org.assertj.core.groups.Tuple.tuple("b", true));
    }

    @Test
    void urlAndSeedNodesWhenBothSetThenStartupErrorNamesBothProperties() {
        RedisProperties properties = new RedisProperties(
                "redis+cluster://a:7000",
                TIMEOUT,
                new RedisProperties.Cluster(List.of("redis://b:7001"), Duration.ofSeconds(30), Duration.ofSeconds(5)),
                new RedisProperties.CircuitBreaker(50, 5, Duration.ofSeconds(5)));
        assertThatIllegalStateException()
                .isThrownBy(() -> RedisConnections.seedNodes(properties))
                .withMessageContaining("dualcore.redis.url")
                .withMessageContaining("dualcore.redis.cluster.nodes");
    }

    @Test
    void malformedSeedWhenItHoldsAPasswordThenErrorNeverEchoesIt() {
        RedisProperties properties = RedisProperties.of("redis+cluster://user:topsecret@a:7000,b c:7001", TIMEOUT);
        assertThatIllegalStateException()
                .isThrownBy(() -> RedisConnections.seedNodes(properties))
                .withMessageContaining("dualcore.redis.url")
                .withMessageNotContaining("topsecret");
    }

    @Test
    void emptySeedWhenDoubleCommaThenStartupError() {
        RedisProperties properties = RedisProperties.of("redis+cluster://a:7000,,b:7001", TIMEOUT);
        assertThatIllegalStateException()
                .isThrownBy(() -> RedisConnections.seedNodes(properties))
                .withMessageContaining("empty seed node");
    }

    @Test
    void toStringWhenCredentialsThenMasked() {
        assertThat(RedisProperties.of("redis+cluster://u:topsecret@a:7000", TIMEOUT)
                        .toString())
                .doesNotContain("topsecret");
    }
}
