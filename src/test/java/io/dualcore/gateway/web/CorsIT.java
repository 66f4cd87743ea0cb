package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Browser clients from another origin, with the shipped CORS configuration ({@code /api/**} allows the demo origin)
 * and one added for {@code /edge/**}, whose upstream is down: a preflight that reached it would fail.
 */
class CorsIT {

    private static final String ORIGIN = "http://localhost:3000";

    private static EchoCore core;

    private static TestGateway gateway;

    private static WebClient client;

    @BeforeAll
    static void start() throws IOException {
        core = EchoCore.start("core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", "http://127.0.0.1:" + closedPort());
        String edge = "spring.cloud.gateway.server.webflux.globalcors.cors-configurations.[/edge/**].";
        properties.put(edge + "allowed-origins", ORIGIN);
        properties.put(edge + "allowed-methods", "GET,POST");
        properties.put(edge + "allowed-headers", "Authorization");
        gateway = TestGateway.start(properties);
        client = TestClients.webClient(gateway.port());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        core.close();
    }

    @Test
    void preflightWhenOriginAllowedThenCorsHeadersWithoutTokenAndNeverUpstream() {
        ResponseEntity<String> response = preflight("/edge/telemetry", ORIGIN);
        assertThat(response.getStatusCode().value())
                .as("answered by the gateway: the upstream is down")
                .isEqualTo(200);
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isEqualTo(ORIGIN);
        assertThat(response.getHeaders().getAccessControlAllowMethods()).contains(HttpMethod.GET);
        assertThat(response.getHeaders().getAccessControlAllowHeaders())
                .anySatisfy(header -> assertThat(header).isEqualToIgnoringCase(HttpHeaders.AUTHORIZATION));
        ResponseEntity<String> api = preflight("/api/orders", ORIGIN);
        assertThat(api.getStatusCode().value()).isEqualTo(200);
        assertThat(api.getHeaders().getAccessControlAllowOrigin()).isEqualTo(ORIGIN);
        assertThat(api.getHeaders().getAccessControlMaxAge()).isEqualTo(3600);
    }

    @Test
    void preflightWhenOriginNotAllowedThenForbiddenWithoutCorsHeaders() {
        ResponseEntity<String> response = preflight("/api/orders", "https://evil.example");
        assertThat(response.getStatusCode().value()).isEqualTo(403);
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isNull();
    }

    @Test
    void crossOriginWhenAllowedThenCorsHeadersOnTheUpstreamAnswer() {
        ResponseEntity<String> response = get("/api/public/status", null, ORIGIN);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isEqualTo(ORIGIN);
    }

    @Test
    void crossOriginWhenNoTokenThenUnauthorizedWithCorsHeaders() {
        ResponseEntity<String> response = get("/api/orders", null, ORIGIN);
        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isEqualTo(ORIGIN);
        assertThat(response.getHeaders().getAccessControlExposeHeaders()).contains(HttpHeaders.WWW_AUTHENTICATE);
    }

    @Test
    void crossOriginWhenTokenBadThenUnauthorizedBeforeRoutingWithCorsHeaders() {
        ResponseEntity<String> response = get("/api/orders", validEdgeToken() + "x", ORIGIN);
        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).contains("invalid_token");
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isEqualTo(ORIGIN);
    }

    @Test
    void crossOriginWhenValidTokenOfWrongModeThenForbiddenWithCorsHeaders() {
        ResponseEntity<String> response = get("/api/orders", validEdgeToken(), ORIGIN);
        assertThat(response.getStatusCode().value()).isEqualTo(403);
        assertThat(response.getBody()).contains("mode_not_allowed");
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isEqualTo(ORIGIN);
    }

    @Test
    void crossOriginWhenOriginNotAllowedAndTokenBadThenUnauthorizedWithoutCorsHeaders() {
        ResponseEntity<String> response = get("/api/orders", validEdgeToken() + "x", "https://evil.example");
        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isNull();
    }

    @Test
    void crossOriginWhenOriginNotAllowedThenRefusedByCorsBeforeThePolicy() {
        ResponseEntity<String> response = get("/api/public/status", null, "https://evil.example");
        assertThat(response.getStatusCode().value())
                .as("Spring Cloud Gateway's CORS check, never the upstream")
                .isEqualTo(403);
        assertThat(response.getHeaders().getAccessControlAllowOrigin()).isNull();
    }

    private static String validEdgeToken() {
        return TestTokens.demoEdge().claim("sub", "browser-app").sign();
    }

    private static ResponseEntity<String> preflight(String path, String origin) {
        return client.options()
                .uri(path)
                .header(HttpHeaders.ORIGIN, origin)
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    private static ResponseEntity<String> get(String path, String token, String origin) {
        return client.get()
                .uri(path)
                .headers(headers -> {
                    headers.set(HttpHeaders.ORIGIN, origin);
                    if (token != null) {
                        headers.setBearerAuth(token);
                    }
                })
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
