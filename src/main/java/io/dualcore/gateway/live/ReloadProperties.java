package io.dualcore.gateway.live;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Live reload of the configuration files (README "Live configuration reload").
 *
 * @param watch whether the directories of the configuration files are watched and re-read every {@code rescan}; off:
 *     only the admin request reloads
 * @param debounce quiet time after the last file event before the files are read (an editor or kubelet writes in
 *     several steps)
 * @param rescan how often the files are read even without an event (a missed event, a file system without events)
 */
@ConfigurationProperties("dualcore.reload")
public record ReloadProperties(
        @DefaultValue("true") boolean watch,
        @DefaultValue("300ms") Duration debounce,
        @DefaultValue("30s") Duration rescan) {}
