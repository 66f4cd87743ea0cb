package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.live.ConfigurationDiff;
import io.dualcore.gateway.live.ConfigurationReloader;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.live.ReloadObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and audits configuration reloads: {@code dualcore.config.reload{outcome}} ({@code applied},
 * {@code restart_required}, {@code unchanged}, {@code refused}), the gauges {@code dualcore.config.refused} and
 * {@code dualcore.config.restart.required}, and one line on the {@code dualcore.audit} logger per
 * applied or refused candidate (who, the versions, the diff's summary or the reason; names only, never a value).
 */
public final class ConfigurationReloadTelemetry implements ReloadObserver {

    private static final Logger audit = LoggerFactory.getLogger(AuditLog.LOGGER);

    private final MeterRegistry meters;

    /** Runs after each applied configuration (the per-issuer meters follow the issuers in force). */
    private final Runnable afterApplied;

    /** @param live the configuration whose state the gauges report */
    public ConfigurationReloadTelemetry(MeterRegistry meters, LiveConfiguration live) {
        this(meters, live, () -> {});
    }

    /**
     * @param live the configuration whose state the gauges report
     * @param afterApplied runs after each applied configuration (the OIDC mode's {@code IssuerMeters.bind()})
     */
    public ConfigurationReloadTelemetry(MeterRegistry meters, LiveConfiguration live, Runnable afterApplied) {
        this.meters = meters;
        this.afterApplied = afterApplied;
        Gauge.builder("dualcore.config.refused", live, l -> (l.status().lastRefused() != null) ? 1 : 0)
                .description("1 while the latest configuration candidate is refused (the previous one serves)")
                .register(meters);
        Gauge.builder(
                        "dualcore.config.restart.required",
                        live,
                        l -> l.status().restartRequired().size())
                .description("Changed properties that take effect only on a restart")
                .register(meters);
        // every outcome from the start, so that rate() and increase() see the first refusal
        for (ConfigurationReloader.Outcome outcome : ConfigurationReloader.Outcome.values()) {
            counter(outcome);
        }
    }

    @Override
    public void applied(
            ConfigurationReloader.Outcome outcome,
            String by,
            String previousVersion,
            String version,
            ConfigurationDiff diff,
            List<String> restartRequired) {
        this.afterApplied.run();
        counter(outcome).increment();
        audit.atInfo()
                .addKeyValue("event.action", "config-reload")
                .addKeyValue("event.outcome", "success")
                .addKeyValue("user.id", by)
                .addKeyValue("dualcore.config.version", version)
                .addKeyValue("dualcore.config.previous_version", previousVersion)
                .addKeyValue("dualcore.config.changes", diff.summary())
                .addKeyValue("dualcore.config.restart_required", String.join(",", restartRequired))
                .log("config-reload " + version + " (was " + previousVersion + ") by " + by + ": " + diff.summary()
                        + (restartRequired.isEmpty() ? "" : "; restart required for " + restartRequired));
    }

    @Override
    public void refused(String by, String activeVersion, String version, String reason) {
        counter(ConfigurationReloader.Outcome.REFUSED).increment();
        audit.atInfo()
                .addKeyValue("event.action", "config-reload")
                .addKeyValue("event.outcome", "failure")
                .addKeyValue("event.reason", reason)
                .addKeyValue("user.id", by)
                .addKeyValue("dualcore.config.version", version)
                .addKeyValue("dualcore.config.previous_version", activeVersion)
                .log("config-reload " + version + " refused by the checks (asked by " + by + "), " + activeVersion
                        + " keeps serving: " + reason);
    }

    @Override
    public void unchanged(String by, String version) {
        counter(ConfigurationReloader.Outcome.UNCHANGED).increment();
    }

    private Counter counter(ConfigurationReloader.Outcome outcome) {
        return Counter.builder("dualcore.config.reload")
                .description("Configuration reloads by outcome (refused: a check failed, the old configuration serves)")
                .tag("outcome", outcome.value())
                .register(this.meters);
    }
}
