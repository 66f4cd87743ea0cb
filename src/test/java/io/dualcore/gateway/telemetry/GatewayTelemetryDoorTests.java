package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** The request and decision meters carry the door: one picture whichever way requests arrive. */
class GatewayTelemetryDoorTests {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private final GatewayTelemetry telemetry = new GatewayTelemetry(
            OpenTelemetry.noop().getTracer("test"),
            this.meters,
            new AuditLog(false),
            false,
            TestModes.REGISTRY,
            Set.of(TestModes.EDGE));

    @Test
    void completedWhenProxiedThenCountedForTheGatewayDoor() {
        MockServerWebExchange proxied = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));

        this.telemetry.authorized(proxied, "orders", null, null);
        this.telemetry.completed(proxied, "orders", null, 200, null);
        this.telemetry.completed(proxied, "orders", null, 200, null);

        assertThat(requests("gateway", "orders", "200").count()).isEqualTo(2);
        assertThat(this.meters
                        .get("dualcore.authz.decisions")
                        .tags("door", "gateway", "route", "orders", "outcome", "allowed")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void completedWhenAskedThroughAnotherDoorThenCountedForThatDoorApart() {
        MockServerWebExchange proxied = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
        MockServerWebExchange nginx = MockServerWebExchange.from(MockServerHttpRequest.get("/nginx"));
        nginx.getAttributes().put(PipelineObserver.DOOR_ATTRIBUTE, "nginx");
        MockServerWebExchange traefik = MockServerWebExchange.from(MockServerHttpRequest.get("/traefik"));
        traefik.getAttributes().put(PipelineObserver.DOOR_ATTRIBUTE, "traefik");

        this.telemetry.completed(proxied, "orders", null, 200, null);
        this.telemetry.completed(nginx, "orders", null, 403, ErrorCode.MODE_NOT_ALLOWED);
        this.telemetry.completed(nginx, "orders", null, 403, ErrorCode.MODE_NOT_ALLOWED);
        this.telemetry.completed(traefik, "orders", null, 200, null);

        assertThat(requests("gateway", "orders", "200").count()).isEqualTo(1);
        assertThat(requests("nginx", "orders", "403").count()).isEqualTo(2);
        assertThat(requests("traefik", "orders", "200").count()).isEqualTo(1);
        assertThat(this.meters
                        .find("dualcore.requests")
                        .tag("door", "nginx")
                        .tag("status", "200")
                        .counter())
                .isNull();
    }

    @Test
    void completedWhenRepeatedThenTheSameMeterIsHeld() {
        MockServerWebExchange nginx = MockServerWebExchange.from(MockServerHttpRequest.get("/nginx"));
        nginx.getAttributes().put(PipelineObserver.DOOR_ATTRIBUTE, "nginx");
        this.telemetry.completed(nginx, "orders", null, 200, null);
        Counter first = requests("nginx", "orders", "200");
        this.meters.remove(first);

        this.telemetry.completed(nginx, "orders", null, 200, null);

        assertThat(first.count())
                .as("resolved once, then held: no registry look-up per request")
                .isEqualTo(2);
    }

    private Counter requests(String door, String route, String status) {
        return this.meters
                .get("dualcore.requests")
                .tags("door", door, "route", route, "status", status)
                .counter();
    }
}
