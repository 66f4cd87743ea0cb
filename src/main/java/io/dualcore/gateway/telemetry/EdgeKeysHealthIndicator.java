package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The edge key ring in force: its version (1 at startup, one more per accepted change of the key directory), its
 * kids, and the outcome of the last reload. A refused change makes it {@code DEGRADED} (the previous ring keeps
 * serving) until a valid change is accepted; never {@code DOWN}, since the gateway is never without keys.
 */
public final class EdgeKeysHealthIndicator implements HealthIndicator {

    private final ReloadableEdgeKeyRing ring;

    /** @param ring the ring, or {@code null} when edge authentication is off */
    public EdgeKeysHealthIndicator(ReloadableEdgeKeyRing ring) {
        this.ring = ring;
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
        Health.Builder health = last.accepted() ? Health.up() : Health.status(IssuersHealthIndicator.DEGRADED);
        return health.withDetail("version", this.ring.version())
                .withDetail("keys", this.ring.get().keyIds())
                .withDetail(
                        "source",
                        this.ring.directory() != null ? this.ring.directory().toString() : "inline")
                .withDetail("lastReload", reload)
                .build();
    }
}
