package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.GatewayRoutes;
import io.dualcore.gateway.testsupport.TestGateway;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A WebSocket proxied with an edge token is closed with 1008 (policy violation) once the device is revoked, or once
 * the token expires, instead of staying open for days.
 */
class WebSocketRevocationIT {

    private static DisposableServer wsCore;

    private static EchoCore core;

    private static TestGateway gateway;

    @BeforeAll
    static void start() {
        wsCore = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.ws(
                        "/ws/echo", (in, out) -> out.sendString(in.receive().asString())))
                .bindNow();
        core = EchoCore.start("microservice-core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        String[] ids = {
            "public-health",
            "microservice-admin",
            "partner-api",
            "microservice-core",
            "edge-core",
            "telemetry-edge",
            "telemetry-oidc"
        };
        GatewayRoutes routes = GatewayRoutes.into(properties);
        for (String id : ids) {
            routes.add(id, core.uri(), "/" + id + "/**");
        }
        routes.add("ws-core", "ws://127.0.0.1:" + wsCore.port(), "/ws/**");
        properties.put("dualcore.routes.ws-core.access.modes", "edge");
        gateway = TestGateway.start(properties);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        core.close();
        wsCore.disposeNow();
    }

    @Test
    void webSocketWhenDeviceRevokedThenClosedWithPolicyViolation() {
        String token = TestTokens.demoEdge().claim("device_id", "sensor-ws").sign();
        Connection connection = connect(token);
        await().atMost(Duration.ofSeconds(5)).until(() -> "hello".equals(connection.echo.get()));
        assertThat(connection.status.get()).isNull();

        gateway.bean(Revocations.class)
                .revoke(new Revocation(
                        Revocation.Kind.DEVICE,
                        "edge",
                        "sensor-ws",
                        null,
                        false,
                        Instant.now().plusSeconds(60),
                        "test-admin"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(connection.status.get()).isNotNull();
            assertThat(connection.status.get().getCode()).isEqualTo(CloseStatus.POLICY_VIOLATION.getCode());
            assertThat(connection.status.get().getReason()).isEqualTo("token revoked");
        });
        connection.subscription.dispose();
    }

    @Test
    void webSocketWhenTokenExpiresThenClosedWithPolicyViolation() {
        Instant now = Instant.now();
        String token = TestTokens.demoEdge()
                .claim("device_id", "sensor-short")
                .time("iat", now)
                .time("exp", now.plusSeconds(2))
                .sign();
        Connection connection = connect(token);
        await().atMost(Duration.ofSeconds(5)).until(() -> "hello".equals(connection.echo.get()));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(connection.status.get()).isNotNull();
            assertThat(connection.status.get().getCode()).isEqualTo(CloseStatus.POLICY_VIOLATION.getCode());
            assertThat(connection.status.get().getReason()).isEqualTo("token expired");
        });
        connection.subscription.dispose();
    }

    private record Connection(
            AtomicReference<String> echo, AtomicReference<CloseStatus> status, Disposable subscription) {}

    private static Connection connect(String token) {
        AtomicReference<String> echo = new AtomicReference<>();
        AtomicReference<CloseStatus> status = new AtomicReference<>();
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(token);
        Disposable subscription = new ReactorNettyWebSocketClient()
                .execute(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws/echo"), headers, session -> {
                    session.closeStatus().subscribe(status::set);
                    return session.send(Mono.just(session.textMessage("hello")))
                            .thenMany(session.receive().doOnNext(message -> echo.set(message.getPayloadAsText())))
                            .then();
                })
                .subscribe();
        return new Connection(echo, status, subscription);
    }
}
