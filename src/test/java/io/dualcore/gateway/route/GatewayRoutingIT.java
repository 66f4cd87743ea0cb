package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Boots the gateway on random ports in front of two echo cores and checks routing and the management port. */
@AutoConfigureMetrics
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.server.port=0",
            // routing is under test here, not policy: let the demo edge token use both cores
            "dualcore.routes.microservice-core.access.modes=oidc,edge"
        })
class GatewayRoutingIT {

    private static final EchoCore MICROSERVICE_CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static final EchoCore EDGE_CORE = EchoCore.start("edge-core", "127.0.0.1", 0);

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    ObjectProvider<HttpHeadersFilter> headersFilters;

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) {
        registry.add("MICROSERVICE_CORE_URI", MICROSERVICE_CORE::uri);
        registry.add("EDGE_CORE_URI", EDGE_CORE::uri);
    }

    @AfterAll
    static void stopCores() {
        MICROSERVICE_CORE.close();
        EDGE_CORE.close();
    }

    @Test
    void apiPathWhenRequestedThenReachesMicroserviceCore() {
        Map<String, Object> echo = get(this.port, "/api/orders/42?expand=items");
        assertThat(echo).containsEntry("core", "microservice-core").containsEntry("path", "/api/orders/42");
        assertThat(echo).containsEntry("query", "expand=items").containsEntry("method", "GET");
    }

    @Test
    void edgePathWhenRequestedThenReachesEdgeCore() {
        Map<String, Object> echo = get(this.port, "/edge/telemetry");
        assertThat(echo).containsEntry("core", "edge-core").containsEntry("path", "/edge/telemetry");
    }

    @Test
    void apiPathWhenNoTokenThenUnauthorizedWithBearerChallenge() {
        client(this.port)
                .get()
                .uri("/api/orders")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .valueEquals("WWW-Authenticate", "Bearer realm=\"dualcore-gateway\"")
                .expectHeader()
                .contentType("application/problem+json")
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo("missing_token");
    }

    @Test
    void unknownPathWhenRequestedThenNotFound() {
        client(this.port).get().uri("/nowhere").exchange().expectStatus().isNotFound();
    }

    @Test
    void forwardedHeadersWhenSentByUntrustedClientThenRemoved() {
        Map<String, Object> echo = client(this.port)
                .get()
                .uri("/api/whoami")
                .headers(headers -> headers.setBearerAuth(edgeToken()))
                .header("X-Forwarded-For", "6.6.6.6")
                .header("X-Forwarded-Host", "evil.example")
                .header("Forwarded", "for=6.6.6.6;host=evil.example")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
        @SuppressWarnings("unchecked")
        Map<String, List<String>> headers = (Map<String, List<String>>) echo.get("headers");
        assertThat(headers.toString()).doesNotContain("6.6.6.6").doesNotContain("evil.example");
    }

    @Test
    void upstreamHeaderFiltersWhenShippedConfigThenNoGrpcCopiesAndIdentityWrittenAfterHopByHop() {
        List<String> filters = this.headersFilters
                .orderedStream()
                .map(filter -> filter.getClass().getSimpleName())
                .toList();

        // server.http2.enabled=false: Spring Cloud Gateway's gRPC filters (a copy of all headers each) are not added
        assertThat(filters).doesNotContain("GRPCRequestHeadersFilter", "GRPCResponseHeadersFilter");
        // the stock copying filters replaced by their cheaper equivalents (config.UpstreamHeadersConfiguration)
        assertThat(filters)
                .contains("ForwardedHeadersRemovalFilter", "XForwardedHeadersRemovalFilter", "HopByHopHeadersFilter")
                .doesNotContain(
                        "RemoveForwardedHeadersFilter", "RemoveXForwardedHeadersFilter", "RemoveHopByHopHeadersFilter");
        assertThat(filters.indexOf("IdentityHandOver"))
                .isGreaterThan(filters.indexOf("HopByHopHeadersFilter"))
                .isGreaterThan(filters.indexOf("XForwardedHeadersRemovalFilter"))
                .isGreaterThan(filters.indexOf("ForwardedHeadersRemovalFilter"));
        assertThat(filters.indexOf("ForwardedHeadersRemovalFilter")).isGreaterThan(-1);
    }

    @Test
    void managementPortWhenHealthRequestedThenServedAndLivenessUp() {
        // no IdP runs for this test: readiness is DEGRADED (still 200), never DOWN; liveness is UP
        client(this.managementPort)
                .get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .value(status ->
                        org.assertj.core.api.Assertions.assertThat(status).isIn("UP", "DEGRADED"));
        client(this.managementPort)
                .get()
                .uri("/actuator/health/liveness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
    }

    @Test
    void readinessWhenPublishedDemoKeyOutsideDemoProfileThenEdgeKeysDegradedAndStill200() {
        // the shipped configuration's EDGE_HMAC_DEMO_KEY default is in force, and the demo profile is not active
        client(this.managementPort)
                .get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.edgeKeys.status")
                .isEqualTo("DEGRADED")
                .jsonPath("$.components.edgeKeys.details.demoKey")
                .isEqualTo(true)
                .jsonPath("$.components.edgeKeys.details.warning")
                .value(warning -> org.assertj.core.api.Assertions.assertThat((String) warning)
                        .contains("EDGE_HMAC_DEMO_KEY")
                        .doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64));
    }

    @Test
    void gatewayActuatorWhenRequestedOnEitherPortThenNotFound() {
        for (int candidate : new int[] {this.port, this.managementPort}) {
            for (String path : List.of("/actuator/gateway/routes", "/actuator/gateway/refresh", "/actuator/gateway")) {
                client(candidate).get().uri(path).exchange().expectStatus().isNotFound();
            }
            client(candidate)
                    .post()
                    .uri("/actuator/gateway/routes/injected")
                    .bodyValue(Map.of("uri", "http://evil.example"))
                    .exchange()
                    .expectStatus()
                    .isNotFound();
        }
    }

    @Test
    void managementPortWhenOtherEndpointsRequestedThenOnlyHealthInfoPrometheusExposed() {
        client(this.managementPort)
                .get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk();
        client(this.managementPort)
                .get()
                .uri("/actuator/info")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.transport.name")
                .isEqualTo(io.dualcore.gateway.web.EventLoops.transport())
                .jsonPath("$.transport.reason")
                .isNotEmpty()
                .jsonPath("$.transport.eventLoops")
                .isNumber();
        for (String path : List.of("/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/heapdump")) {
            client(this.managementPort)
                    .get()
                    .uri(path)
                    .exchange()
                    .expectStatus()
                    .isNotFound();
        }
    }

    /** A token signed with the demo edge key of config/application.yml. */
    private static String edgeToken() {
        return TestTokens.demoEdge().sign();
    }

    private static Map<String, Object> get(int port, String uri) {
        return client(port)
                .get()
                .uri(uri)
                .headers(headers -> headers.setBearerAuth(edgeToken()))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
    }

    private static WebTestClient client(int port) {
        return TestClients.webTestClient(port);
    }
}
