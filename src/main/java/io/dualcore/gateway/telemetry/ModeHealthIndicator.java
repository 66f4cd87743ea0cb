package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.ModeHealth;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.Assert;

/**
 * A verification mode's health ({@link io.dualcore.gateway.auth.VerificationMode#health()}) as an actuator health
 * component, part of readiness: {@code UP}, or {@link #DEGRADED} when the mode reports an impaired capability (never
 * {@code DOWN}: the other modes still serve).
 */
public final class ModeHealthIndicator implements HealthIndicator {

    /** Some capability is impaired, the gateway still serves: mapped to HTTP 200. */
    public static final Status DEGRADED = new Status("DEGRADED");

    private final ModeHealth health;

    public ModeHealthIndicator(ModeHealth health) {
        Assert.notNull(health, "health cannot be null");
        this.health = health;
    }

    @Override
    public Health health() {
        ModeHealth.Report report = this.health.report();
        return Health.status(report.degraded() ? DEGRADED : Status.UP)
                .withDetails(report.details())
                .build();
    }
}
