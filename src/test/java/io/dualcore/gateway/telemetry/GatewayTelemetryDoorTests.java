package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * The decision meters (requests, authorization decisions, authentications, refusals, rate limits) carry the door:
 * one picture whichever way requests arrive.
 */
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

    @Test
    void authenticationWhenAskedThroughTwoDoorsThenEachCountedWithItsDoor() {
        MockServerWebExchange proxied = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
        MockServerWebExchange grpc = door("envoy-grpc");
        GatewayIdentity identity = new GatewayIdentity(
                TestModes.OIDC,
                "https://idp.test/realms/a",
                "a",
                "alice",
                "app",
                Set.of(),
                Set.of(),
                null,
                "kid",
                Instant.now().plusSeconds(60),
                Map.of("sub", "alice"));

        this.telemetry.authenticated(proxied, identity);
        this.telemetry.authenticated(grpc, identity);
        this.telemetry.authenticated(grpc, identity);
        this.telemetry.rejected(grpc, ErrorCode.TOKEN_INACTIVE);

        assertThat(count("dualcore.auth.requests", "door", "gateway", "outcome", "success"))
                .isEqualTo(1);
        assertThat(count("dualcore.auth.requests", "door", "envoy-grpc", "outcome", "success"))
                .isEqualTo(2);
        assertThat(count("dualcore.auth.requests", "door", "envoy-grpc", "code", "token_inactive"))
                .isEqualTo(1);
        assertThat(this.meters
                        .find("dualcore.auth.requests")
                        .tags("door", "gateway", "outcome", "failure")
                        .counter())
                .isNull();
    }

    @Test
    void refusedAndRateLimitedWhenAskedThroughAnotherDoorThenCountedWithThatDoor() {
        MockServerWebExchange proxied = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
        MockServerWebExchange caddy = door("caddy");
        RatePlan plan = RatePlan.of(
                "tight",
                new Binder(new MapConfigurationPropertySource(
                                Map.of("p.bandwidths[0].capacity", "1", "p.bandwidths[0].refill-period", "1h")))
                        .bind("p", RateLimitProperties.Plan.class)
                        .get());
        RateLimitDecision limited = new RateLimitDecision(false, 1, 0, 1_000_000_000L, 1_000_000_000L, "local", false);

        this.telemetry.refused(proxied, ErrorCode.INVALID_PATH);
        this.telemetry.refused(caddy, ErrorCode.INVALID_PATH);
        this.telemetry.refused(caddy, ErrorCode.INVALID_PATH);
        this.telemetry.rateLimited(caddy, plan, limited);

        assertThat(count("dualcore.requests.refused", "door", "gateway", "code", "invalid_path"))
                .isEqualTo(1);
        assertThat(count("dualcore.requests.refused", "door", "caddy", "code", "invalid_path"))
                .isEqualTo(2);
        assertThat(count("dualcore.ratelimit.decisions", "door", "caddy", "outcome", "limited"))
                .isEqualTo(1);
        assertThat(this.meters
                        .find("dualcore.ratelimit.decisions")
                        .tag("door", "gateway")
                        .counter())
                .isNull();
    }

    private static MockServerWebExchange door(String door) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/" + door));
        exchange.getAttributes().put(PipelineObserver.DOOR_ATTRIBUTE, door);
        return exchange;
    }

    private double count(String meter, String... tags) {
        return this.meters.get(meter).tags(tags).counter().count();
    }

    private Counter requests(String door, String route, String status) {
        return this.meters
                .get("dualcore.requests")
                .tags("door", door, "route", route, "status", status)
                .counter();
    }
}
