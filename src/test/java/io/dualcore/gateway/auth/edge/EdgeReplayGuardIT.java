package io.dualcore.gateway.auth.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.DualcoreGatewayApplication;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Mono;

/** One-time edge tokens against a real Redis, shared by two gateways: each {@code jti} is accepted exactly once. */
@ExtendWith(RedisExtension.class)
class EdgeReplayGuardIT {

    private static final byte[] DEMO_KEY = TestTokens.demoEdgeKey();

    private static EchoCore core;

    private static ConfigurableApplicationContext first;

    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startGateways(RedisServerFixture redis) {
        core = EchoCore.start("edge-core", "127.0.0.1", 0);
        first = gateway(redis);
        second = gateway(redis);
    }

    private static ConfigurableApplicationContext gateway(RedisServerFixture redis) {
        return new SpringApplicationBuilder(DualcoreGatewayApplication.class)
                .run(
                        "--server.port=0",
                        "--management.server.port=0",
                        "--EDGE_CORE_URI=" + core.uri(),
                        "--MICROSERVICE_CORE_URI=" + core.uri(),
                        "--REDIS_URL=" + redis.uri(),
                        "--dualcore.redis.timeout=500ms",
                        "--dualcore.auth.edge.replay-protection=true");
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        core.close();
    }

    @Test
    void oneTimeTokenWhenPresentedTwiceOnTwoGatewaysThenSecondUseReplayed() {
        String token = token();
        assertThat(get(first, token).getStatusCode().value()).isEqualTo(200);
        ResponseEntity<String> replay = get(second, token);
        assertThat(replay.getStatusCode().value()).isEqualTo(401);
        assertThat(replay.getBody()).contains("\"code\":\"token_replayed\"");
        assertThat(get(first, token).getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void distinctTokensWhenEachUsedOnceThenAllAccepted() {
        for (int i = 0; i < 20; i++) {
            assertThat(get(i % 2 == 0 ? first : second, token()).getStatusCode().value())
                    .isEqualTo(200);
        }
    }

    @Test
    void redisStoppedWhenOneTimeTokenPresentedThenFailsClosedWith503(RedisServerFixture redis) {
        redis.stop();
        try {
            ResponseEntity<String> response = get(first, token());
            assertThat(response.getStatusCode().value()).isEqualTo(503);
            assertThat(response.getHeaders().getFirst("Retry-After")).isNotNull();
            assertThat(response.getBody()).contains("\"code\":\"replay_check_unavailable\"");
        } finally {
            redis.start();
        }
    }

    private static String token() {
        return TestTokens.edge("edge-demo-1", DEMO_KEY, JWSAlgorithm.HS256, "dualcore-edge")
                .sign();
    }

    private static ResponseEntity<String> get(ConfigurableApplicationContext gateway, String token) {
        int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
        return TestClients.webClient(port)
                .get()
                .uri("/edge/data")
                .headers(h -> h.setBearerAuth(token))
                .exchangeToMono(response -> response.toEntity(String.class))
                .switchIfEmpty(Mono.error(new IllegalStateException("no response")))
                .block(TestClients.TIMEOUT);
    }
}
