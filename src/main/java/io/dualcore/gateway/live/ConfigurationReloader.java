package io.dualcore.gateway.live;

import java.time.Clock;
import java.util.List;
import java.util.SortedMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.Assert;

/**
 * Reloads the configuration: reads the files again ({@link ConfigurationSources}), compiles and checks the candidate
 * ({@link ConfigurationCompiler}), then swaps the one reference ({@link LiveConfiguration}). A refused candidate
 * changes nothing; its reason is logged once per candidate version. One reload at a time.
 */
public final class ConfigurationReloader {

    private static final Log logger = LogFactory.getLog(ConfigurationReloader.class);

    /** Who asks when a watched file changed. */
    public static final String FILE_WATCH = "file-watch";

    private final ConfigurationSources sources;

    private final ConfigurationCompiler compiler;

    private final LiveConfiguration live;

    private final ReloadObserver observer;

    private final ApplicationEventPublisher events;

    private final Clock clock;

    /** The effective properties the process started with: what a restart-only setting is compared against. */
    private final SortedMap<String, String> startup;

    private String lastRefusedVersion;

    private String lastRefusedReason;

    public ConfigurationReloader(
            ConfigurationSources sources,
            ConfigurationCompiler compiler,
            LiveConfiguration live,
            ReloadObserver observer,
            ApplicationEventPublisher events,
            Clock clock) {
        Assert.notNull(sources, "sources cannot be null");
        Assert.notNull(compiler, "compiler cannot be null");
        Assert.notNull(live, "live cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        Assert.notNull(events, "events cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        this.sources = sources;
        this.compiler = compiler;
        this.live = live;
        this.observer = observer;
        this.events = events;
        this.clock = clock;
        this.startup = EffectiveProperties.of(sources.running());
    }

    /** What a reload did. */
    public enum Outcome {
        /** Routes, policies, plans, issuers or other live settings changed and are in force. */
        APPLIED("applied"),
        /** The candidate is in force, but what it changes takes effect only on a restart. */
        RESTART_REQUIRED("restart_required"),
        /** The candidate is the configuration in force. */
        UNCHANGED("unchanged"),
        /** A check failed; the configuration in force keeps serving. */
        REFUSED("refused");

        private final String value;

        Outcome(String value) {
            this.value = value;
        }

        /** The metric label and API value. */
        public String value() {
            return this.value;
        }
    }

    /**
     * @param outcome what happened
     * @param version the candidate's version (the active one unless refused)
     * @param previousVersion the version in force before
     * @param message the change's summary, or the refusal's reason
     * @param restartRequired properties changed since startup that take effect only on a restart
     */
    public record Result(
            Outcome outcome, String version, String previousVersion, String message, List<String> restartRequired) {}

    /**
     * Reloads now. Blocks (file reads, route building): never call it on an event-loop thread.
     *
     * @param by who asks: {@link #FILE_WATCH} or the admin's subject
     */
    public synchronized Result reload(String by) {
        boolean watch = FILE_WATCH.equals(by);
        ActiveConfiguration active = this.live.current();
        ConfigurableEnvironment environment;
        SortedMap<String, String> effective;
        String version;
        try {
            environment = this.sources.read();
            effective = EffectiveProperties.of(environment);
            version = EffectiveProperties.version(effective);
        } catch (InvalidConfigurationException ex) {
            return refuse(by, watch, active, "unreadable", ex.getMessage());
        }
        if (version.equals(active.version())) {
            if (!watch) {
                this.observer.unchanged(by, version);
            }
            return new Result(
                    Outcome.UNCHANGED,
                    version,
                    version,
                    "no change",
                    this.live.status().restartRequired());
        }
        if (watch && version.equals(this.lastRefusedVersion)) {
            // already refused and reported: the same content again (another event of one write)
            return new Result(Outcome.REFUSED, version, active.version(), "already refused", List.of());
        }
        ActiveConfiguration candidate;
        try {
            candidate = this.compiler.compile(environment, effective, version, active);
        } catch (InvalidConfigurationException ex) {
            return refuse(by, watch, active, version, ex.getMessage());
        } catch (RuntimeException ex) {
            // a check that failed in an unforeseen way still refuses the candidate, never half applies it
            return refuse(by, watch, active, version, ConfigurationCompiler.rootMessage(ex));
        }
        ConfigurationDiff diff = ConfigurationDiff.between(active.sources(), candidate.sources());
        List<String> restartRequired = EffectiveProperties.restartOnlyDifferences(this.startup, effective);
        Outcome outcome = (diff.routes().isEmpty()
                        && diff.plans().isEmpty()
                        && diff.settings().isEmpty()
                        && (diff.issuers().isEmpty() || candidate.verifiers() == null))
                ? Outcome.RESTART_REQUIRED
                : Outcome.APPLIED;
        if (outcome == Outcome.RESTART_REQUIRED && restartRequired.isEmpty()) {
            // back to the settings the process started with
            outcome = Outcome.APPLIED;
        }
        String summary = diff.summary();
        this.live.apply(
                candidate, new LiveConfiguration.Change(version, this.clock.instant(), by, summary), restartRequired);
        this.compiler.applied(candidate);
        this.lastRefusedVersion = null;
        this.lastRefusedReason = null;
        // Spring Cloud Gateway's listeners (per-route CORS) read the routes again; requests already use the new ones
        this.events.publishEvent(new RefreshRoutesEvent(this));
        String restart = restartRequired.isEmpty() ? "" : "; needs a restart to take effect: " + restartRequired;
        logger.info("Configuration " + version + " in force (was " + active.version() + ", asked by " + by + "): "
                + summary + restart);
        this.observer.applied(outcome, by, active.version(), version, diff, restartRequired);
        return new Result(outcome, version, active.version(), summary, restartRequired);
    }

    private Result refuse(String by, boolean watch, ActiveConfiguration active, String version, String reason) {
        boolean repeated = version.equals(this.lastRefusedVersion) && reason.equals(this.lastRefusedReason);
        this.lastRefusedVersion = version;
        this.lastRefusedReason = reason;
        this.live.refuse(new LiveConfiguration.Change(version, this.clock.instant(), by, reason));
        if (!repeated || !watch) {
            logger.warn("Configuration " + version + " refused (asked by " + by + "), " + active.version()
                    + " keeps serving: " + reason);
            this.observer.refused(by, active.version(), version, reason);
        }
        return new Result(Outcome.REFUSED, version, active.version(), reason, List.of());
    }
}
