package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * The audit event and the {@code dualcore_requests_total} metric carry each request's final outcome: the
 * upstream-failure answer of an allowed request, the limiter's 429, the policy's 403, a 404 for an unrouted path.
 */
@ExtendWith(OutputCaptureExtension.class)
class AuditIT {

    private static EchoCore core;

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        core = EchoCore.start("core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", "http://127.0.0.1:" + closedPort());
        properties.put("dualcore.rate-limit.plans.one.bandwidths[0].capacity", "1");
        properties.put("dualcore.rate-limit.plans.one.bandwidths[0].refill-period", "1h");
        properties.put("dualcore.routes.public-health.rate-limit.anonymous", "one");
        gateway = TestGateway.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        core.close();
    }

    @Test
    void allowedRequestWhenUpstreamDownThenAuditedAndCountedWithFinal502(CapturedOutput output) {
        String token = TestTokens.demoEdge().claim("sub", "sensor-audit").sign();
        assertThat(gateway.get("/edge/audit-502", token).getStatusCode().value())
                .isEqualTo(502);
        JsonNode line = AuditLines.await(output, l -> "/edge/audit-502".equals(AuditLines.text(l, "url.path")));
        assertThat(AuditLines.text(line, "event.outcome"))
                .as("the gateway allowed it")
                .isEqualTo("success");
        assertThat(AuditLines.text(line, "http.response.status_code")).isEqualTo("502");
        assertThat(AuditLines.text(line, "dualcore.route")).isEqualTo("edge-core");
        assertThat(AuditLines.text(line, "user.id")).isEqualTo("sensor-audit");
        assertThat(gateway.management("/actuator/prometheus").getBody())
                .containsPattern(
                        "dualcore_requests_total\\{door=\"gateway\",outcome=\"allowed\",route=\"edge-core\",status=\"502\"} 1");
    }

    @Test
    void allowedByPolicyWhenLimitExhaustedThenAuditedAs429(CapturedOutput output) {
        assertThat(gateway.get("/api/public/first", null).getStatusCode().value())
                .isEqualTo(200);
        assertThat(gateway.get("/api/public/second", null).getStatusCode().value())
                .isEqualTo(429);
        JsonNode first = AuditLines.await(output, l -> "/api/public/first".equals(AuditLines.text(l, "url.path")));
        assertThat(AuditLines.text(first, "http.response.status_code")).isEqualTo("200");
        assertThat(AuditLines.text(first, "dualcore.mode")).isEqualTo("anonymous");
        JsonNode second = AuditLines.await(output, l -> "/api/public/second".equals(AuditLines.text(l, "url.path")));
        assertThat(AuditLines.text(second, "event.outcome")).isEqualTo("failure");
        assertThat(AuditLines.text(second, "event.reason")).isEqualTo("rate_limited");
        assertThat(AuditLines.text(second, "http.response.status_code")).isEqualTo("429");
        assertThat(gateway.management("/actuator/prometheus").getBody())
                .containsPattern(
                        "dualcore_requests_total\\{door=\"gateway\",outcome=\"denied\",route=\"public-health\",status=\"429\"} 1");
    }

    @Test
    void unroutedPathThenProblemNotFoundWithStableCode() {
        var response = gateway.get("/no/route/here", null);
        assertThat(response.getStatusCode().value()).isEqualTo(404);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(response.getBody()).contains("\"code\":\"no_route\"");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
