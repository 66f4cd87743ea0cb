package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Readiness of the edge key ring: the published demo key is flagged, and degrades readiness outside the demo. */
class EdgeKeysHealthIndicatorTests {

    private static ReloadableEdgeKeyRing ring(byte[] secret) {
        return new ReloadableEdgeKeyRing(
                List.of(TestChain.edgeKey("edge-demo-1", "HS256", secret)),
                null,
                Duration.ofSeconds(10),
                Clock.systemUTC());
    }

    @Test
    void healthWhenDemoKeyOutsideDemoProfileThenDegradedWithDemoKeyAndWarning() {
        Health health = new EdgeKeysHealthIndicator(ring(TestTokens.demoEdgeKey()), false).health();

        assertThat(health.getStatus()).isEqualTo(IssuersHealthIndicator.DEGRADED);
        assertThat(health.getDetails()).containsEntry("demoKey", true);
        assertThat((String) health.getDetails().get("warning"))
                .contains("EDGE_HMAC_DEMO_KEY")
                .doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64);
    }

    @Test
    void healthWhenDemoKeyInDemoProfileThenUpAndFlagged() {
        Health health = new EdgeKeysHealthIndicator(ring(TestTokens.demoEdgeKey()), true).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("demoKey", true).doesNotContainKey("warning");
    }

    @Test
    void healthWhenOwnKeyUnderDemoKidThenUpAndNotFlagged() {
        Health health = new EdgeKeysHealthIndicator(ring(TestChain.randomBytes(32)), false).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("demoKey", false);
    }
}
