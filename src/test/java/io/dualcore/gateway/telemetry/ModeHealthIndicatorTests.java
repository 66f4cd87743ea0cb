package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.ModeHealth;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * A mode's health as a readiness component: the edge mode's key ring (the published demo key is flagged, and
 * degrades readiness outside the demo), the OIDC mode's issuers in force (a reload's change shows at the next check).
 */
class ModeHealthIndicatorTests {

    private static ReloadableEdgeKeyRing ring(byte[] secret) {
        return new ReloadableEdgeKeyRing(
                List.of(TestChain.edgeKey("edge-demo-1", "HS256", secret)),
                null,
                Duration.ofSeconds(10),
                Clock.systemUTC());
    }

    private static Health edgeKeys(ReloadableEdgeKeyRing ring, boolean demoProfile) {
        return new ModeHealthIndicator(new EdgeVerificationMode(() -> ring, demoProfile)
                        .health()
                        .orElseThrow())
                .health();
    }

    @Test
    void healthWhenDemoKeyOutsideDemoProfileThenDegradedWithDemoKeyAndWarning() {
        Health health = edgeKeys(ring(TestTokens.demoEdgeKey()), false);

        assertThat(health.getStatus()).isEqualTo(ModeHealthIndicator.DEGRADED);
        assertThat(health.getDetails()).containsEntry("demoKey", true);
        assertThat((String) health.getDetails().get("warning"))
                .contains("EDGE_HMAC_DEMO_KEY")
                .doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64);
    }

    @Test
    void healthWhenDemoKeyInDemoProfileThenUpAndFlagged() {
        Health health = edgeKeys(ring(TestTokens.demoEdgeKey()), true);

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("demoKey", true).doesNotContainKey("warning");
    }

    @Test
    void healthWhenOwnKeyUnderDemoKidThenUpAndNotFlagged() {
        Health health = edgeKeys(ring(TestChain.randomBytes(32)), false);

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails())
                .containsEntry("demoKey", false)
                .containsKeys("version", "keys", "source", "lastReload");
    }

    @Test
    void healthWhenEdgeAuthenticationOffThenUpAndDisabled() {
        Health health = edgeKeys(null, false);

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("state", "disabled");
    }

    @Test
    void healthWhenCheckedThenAsksForIssuersInForceEachTime() {
        AtomicInteger asked = new AtomicInteger();
        ModeHealthIndicator issuers = new ModeHealthIndicator(new OidcVerificationMode(
                        () -> {
                            asked.incrementAndGet();
                            return List.of();
                        },
                        Clock.systemUTC())
                .health()
                .orElseThrow());

        Health first = issuers.health();
        issuers.health();

        assertThat(first.getStatus()).isEqualTo(Status.UP);
        assertThat(first.getDetails()).containsEntry("issuers", Map.of());
        assertThat(asked).hasValue(2);
    }

    @Test
    void healthWhenReportDegradedThenDegradedNeverDown() {
        Health health = new ModeHealthIndicator(() -> new ModeHealth.Report(true, Map.of("state", "stale"))).health();

        assertThat(health.getStatus()).isEqualTo(ModeHealthIndicator.DEGRADED);
        assertThat(health.getDetails()).containsEntry("state", "stale");
    }

    @Test
    void healthWhenModeBuiltWithoutStateThenNoHealth() {
        assertThat(new OidcVerificationMode().health()).isEmpty();
        assertThat(new EdgeVerificationMode().health()).isEmpty();
    }
}
