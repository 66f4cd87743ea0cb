package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.live.ActiveConfiguration;
import io.dualcore.gateway.live.LiveConfiguration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The configuration in force (its version, when it was loaded), the last applied change, the last refused candidate
 * (version, reason, when, by whom) and the settings that wait for a restart. {@code DEGRADED} while the latest
 * candidate is refused (the previous configuration keeps serving), {@code UP} otherwise; never {@code DOWN}.
 */
public final class ConfigurationHealthIndicator implements HealthIndicator {

    private final LiveConfiguration live;

    public ConfigurationHealthIndicator(LiveConfiguration live) {
        this.live = live;
    }

    @Override
    public Health health() {
        ActiveConfiguration active = this.live.current();
        LiveConfiguration.Status status = this.live.status();
        Health.Builder health =
                (status.lastRefused() != null) ? Health.status(ModeHealthIndicator.DEGRADED) : Health.up();
        health.withDetail("version", active.version())
                .withDetail("loadedAt", active.loadedAt().toString());
        if (status.lastApplied() != null) {
            health.withDetail("lastApplied", change(status.lastApplied(), "changes"));
        }
        if (status.lastRefused() != null) {
            health.withDetail("lastRefused", change(status.lastRefused(), "reason"));
        }
        return health.withDetail("restartRequired", status.restartRequired()).build();
    }

    private static Map<String, Object> change(LiveConfiguration.Change change, String summaryName) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("version", change.version());
        detail.put("at", change.at().toString());
        detail.put("by", change.by());
        detail.put(summaryName, change.summary());
        return detail;
    }
}
