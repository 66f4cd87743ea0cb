package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The audit event's client address: captured on the request's thread as it is, written as text by the writer. */
class AuditEventTests {

    private static AuditEvent event(String sourceIp, InetAddress source) {
        return TestAuditEvents.allowed()
                .route("microservice-core")
                .request("GET", "/api/orders")
                .sourceIp(sourceIp)
                .source(source)
                .caller("oidc", null, null, "alice")
                .door("gateway")
                .build();
    }

    @Test
    void sourceIpWhenOnlyTheAddressIsCapturedThenItsTextualForm() throws Exception {
        assertThat(event(null, InetAddress.getByName("10.1.2.3")).sourceIp()).isEqualTo("10.1.2.3");
        assertThat(event(null, InetAddress.getByName("2001:db8::7")).sourceIp())
                .isEqualTo(InetAddress.getByName("2001:db8::7").getHostAddress());
    }

    @Test
    void sourceIpWhenTextGivenOrNoAddressThenAsGiven() throws Exception {
        assertThat(event("192.0.2.9", InetAddress.getByName("10.1.2.3")).sourceIp())
                .isEqualTo("192.0.2.9");
        assertThat(event(null, null).sourceIp()).isNull();
    }

    @Test
    void ecsLineWhenOnlyTheAddressIsCapturedThenSourceIpWritten() throws Exception {
        EcsAuditLines lines = EcsAuditLines.parse(
                        "{\"@timestamp\":\"2000-01-02T03:04:05.123456789Z\",\"log\":{\"level\":\"INFO\",\"logger\":"
                                + "\"dualcore.audit\"},\"message\":\"dualcore-audit-message-7f3a\",\"ecs\":"
                                + "{\"version\":\"8.11\"}}\n")
                .orElseThrow();

        String line = lines.format(event(null, InetAddress.getByName("10.1.2.3")), Instant.EPOCH);

        assertThat(line).contains("\"source\":{\"ip\":\"10.1.2.3\"}");
    }
}
