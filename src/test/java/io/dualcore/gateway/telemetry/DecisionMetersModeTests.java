package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** Meters are held by mode index and tagged with the mode's own name: no mode is counted as another. */
class DecisionMetersModeTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void authorizedWhenEachModeThenTaggedWithItsOwnName() {
        DecisionMeters meters = new DecisionMeters(this.registry, TestModes.REGISTRY, Set.of(TestModes.EDGE));
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));

        meters.authorized(exchange, "orders", identity(TestModes.OIDC), null);
        meters.authorized(exchange, "orders", identity(TestModes.EDGE), null);
        meters.authorized(exchange, "orders", identity(TestModes.EDGE), null);
        meters.authorized(exchange, "orders", null, null);

        assertThat(decisions("oidc")).isEqualTo(1);
        assertThat(decisions("edge")).isEqualTo(2);
        assertThat(decisions("anonymous")).isEqualTo(1);
    }

    @Test
    void authenticatedWhenKeyUsageModeThenKeyCountedOthersNot() {
        DecisionMeters meters = new DecisionMeters(this.registry, TestModes.REGISTRY, Set.of(TestModes.EDGE));
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));

        meters.authenticated(exchange, identity(TestModes.EDGE));
        meters.authenticated(exchange, identity(TestModes.OIDC));

        assertThat(this.registry.get("dualcore.edge.key.usage").counters()).hasSize(1);
        assertThat(this.registry
                        .get("dualcore.auth.requests")
                        .tags("mode", "edge", "outcome", "success")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void authenticatedWhenModeNotRegisteredThenErrorNeverCountedAsAnotherMode() {
        DecisionMeters meters =
                new DecisionMeters(this.registry, VerificationModes.of(List.of(new OidcVerificationMode())), Set.of());

        assertThatIllegalStateException()
                .isThrownBy(() -> meters.authenticated(
                        MockServerWebExchange.from(MockServerHttpRequest.get("/orders")), identity(TestModes.EDGE)))
                .withMessageContaining("'edge' is not registered");
        assertThat(this.registry.find("dualcore.auth.requests").counters()).isEmpty();
    }

    private double decisions(String mode) {
        return this.registry
                .get("dualcore.authz.decisions")
                .tags("mode", mode)
                .counter()
                .count();
    }

    private static GatewayIdentity identity(Mode mode) {
        return new GatewayIdentity(
                mode,
                "issuer",
                "realm",
                "subject",
                null,
                Set.of(),
                Set.of(),
                "device",
                "kid-1",
                Instant.now().plusSeconds(60),
                Map.of());
    }
}
