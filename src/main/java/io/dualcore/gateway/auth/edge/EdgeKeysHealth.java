package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.edge.DemoEdgeKey;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The edge key ring in force: its version (1 at startup, one more per accepted change of the key directory), its
 * kids, and the outcome of the last reload. A refused change makes it {@code DEGRADED} (the previous ring keeps
 * serving) until a valid change is accepted; never {@code DOWN}, since the gateway is never without keys. So does the
 * published demo key ({@code demoKey: true}) outside the {@code demo} profile: readiness stays HTTP 200, so the demo
 * and tests run, while the status and a {@code warning} detail say what to fix.
 */
public final class EdgeKeysHealthIndicator implements HealthIndicator {

    private final ReloadableEdgeKeyRing ring;

    private final boolean demoProfile;

    /** @param ring the ring, or {@code null} when edge authentication is off */
    public EdgeKeysHealthIndicator(ReloadableEdgeKeyRing ring) {
        this(ring, false);
    }

    /**
     * @param ring the ring, or {@code null} when edge authentication is off
     * @param demoProfile whether the {@code demo} profile is active (the published demo key is expected there)
     */
    public EdgeKeysHealthIndicator(ReloadableEdgeKeyRing ring, boolean demoProfile) {
        this.ring = ring;
        this.demoProfile = demoProfile;
    }

    @Override
    public Health health() {
        if (this.ring == null) {
            return Health.up().withDetail("state", "disabled").build();
        }
        ReloadableEdgeKeyRing.Reload last = this.ring.lastReload();
        Map<String, Object> reload = new LinkedHashMap<>();
        reload.put("result", last.accepted() ? "accepted" : "refused");
        reload.put("at", last.at().toString());
        reload.put("message", last.message());
        EdgeKeyRing keys = this.ring.get();
        boolean demoKey = !DemoEdgeKey.in(keys).isEmpty();
        boolean degraded = !last.accepted() || (demoKey && !this.demoProfile);
        Health.Builder health = degraded ? Health.status(IssuersHealthIndicator.DEGRADED) : Health.up();
        if (demoKey && !this.demoProfile) {
            health.withDetail("warning", DemoEdgeKey.warning(keys));
        }
        return health.withDetail("demoKey", demoKey)
                .withDetail("version", this.ring.version())
                .withDetail("keys", keys.keyIds())
                .withDetail(
                        "source",
                        this.ring.directory() != null ? this.ring.directory().toString() : "inline")
                .withDetail("lastReload", reload)
                .build();
    }
}
