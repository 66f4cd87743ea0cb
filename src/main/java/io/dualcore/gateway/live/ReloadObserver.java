package io.dualcore.gateway.live;

import java.util.List;

/** Observes reloads (telemetry counts and audits them); called once per decided candidate, on the reload thread. */
public interface ReloadObserver {

    ReloadObserver NONE = new ReloadObserver() {};

    /**
     * A candidate was applied (or changed nothing but settings that take effect on a restart).
     *
     * @param outcome {@link ConfigurationReloader.Outcome#APPLIED} or {@link ConfigurationReloader.Outcome#RESTART_REQUIRED}
     * @param restartRequired properties changed since startup that take effect only on a restart
     */
    default void applied(
            ConfigurationReloader.Outcome outcome,
            String by,
            String previousVersion,
            String version,
            ConfigurationDiff diff,
            List<String> restartRequired) {}

    /** A candidate was refused; the configuration in force keeps serving. */
    default void refused(String by, String activeVersion, String version, String reason) {}

    /** An explicit request found nothing to reload (file events of an unchanged content are not reported). */
    default void unchanged(String by, String version) {}
}
