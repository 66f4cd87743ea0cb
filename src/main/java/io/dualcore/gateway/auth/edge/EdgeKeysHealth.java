package io.dualcore.gateway.auth.edge;

import io.dualcore.gateway.auth.ModeHealth;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.util.Assert;

/**
 * The edge key ring in force: its version (1 at startup, one more per accepted change of the key directory), its
 * kids, and the outcome of the last reload. A refused change makes the mode degraded (the previous ring keeps
 * serving) until a valid change is accepted; never down, since the gateway is never without keys. So does the
 * published demo key ({@code demoKey: true}) outside the {@code demo} profile: readiness stays HTTP 200, so the demo
 * and tests run, while the status and a {@code warning} detail say what to fix.
 */
final class EdgeKeysHealth implements ModeHealth {

    private final Supplier<ReloadableEdgeKeyRing> ring;

    private final boolean demoProfile;

    /**
     * @param ring the ring, or a supplier of {@code null} when edge authentication is off
     * @param demoProfile whether the {@code demo} profile is active (the published demo key is expected there)
     */
    EdgeKeysHealth(Supplier<ReloadableEdgeKeyRing> ring, boolean demoProfile) {
        Assert.notNull(ring, "ring cannot be null");
        this.ring = ring;
        this.demoProfile = demoProfile;
    }

    @Override
    public Report report() {
        ReloadableEdgeKeyRing ring = this.ring.get();
        if (ring == null) {
            return new Report(false, Map.of("state", "disabled"));
        }
        ReloadableEdgeKeyRing.Reload last = ring.lastReload();
        Map<String, Object> reload = new LinkedHashMap<>();
        reload.put("result", last.accepted() ? "accepted" : "refused");
        reload.put("at", last.at().toString());
        reload.put("message", last.message());
        EdgeKeyRing keys = ring.get();
        boolean demoKey = !DemoEdgeKey.in(keys).isEmpty();
        Map<String, Object> details = new LinkedHashMap<>();
        if (demoKey && !this.demoProfile) {
            details.put("warning", DemoEdgeKey.warning(keys));
        }
        details.put("demoKey", demoKey);
        details.put("version", ring.version());
        details.put("keys", keys.keyIds());
        details.put("source", ring.directory() != null ? ring.directory().toString() : "inline");
        details.put("lastReload", reload);
        return new Report(!last.accepted() || (demoKey && !this.demoProfile), details);
    }
}
