package io.dualcore.gateway.live;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;

/**
 * Watches the directories of the configuration files and reloads after a quiet {@code debounce}: any event in a
 * directory counts (a Kubernetes ConfigMap volume swaps its {@code ..data} symlink to a new directory, which changes
 * no watched file itself); the reload compares content hashes, so an event that changed nothing does nothing. Reads
 * the files every {@code rescan} too, in case an event was missed.
 */
public final class ConfigFileWatcher implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(ConfigFileWatcher.class);

    private final List<Path> directories;

    private final Runnable reload;

    private final Duration debounce;

    private final Duration rescan;

    private WatchService watcher;

    private Thread thread;

    public ConfigFileWatcher(List<Path> directories, Runnable reload, Duration debounce, Duration rescan) {
        Assert.notNull(directories, "directories cannot be null");
        Assert.notNull(reload, "reload cannot be null");
        Assert.isTrue(!debounce.isNegative(), "debounce cannot be negative");
        Assert.isTrue(!rescan.isNegative() && !rescan.isZero(), "rescan must be positive");
        this.directories = List.copyOf(directories);
        this.reload = reload;
        this.debounce = debounce;
        this.rescan = rescan;
    }

    public synchronized void start() {
        try {
            this.watcher = FileSystems.getDefault().newWatchService();
            for (Path directory : this.directories) {
                directory.register(
                        this.watcher,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
            logger.info("Watching " + this.directories + " for configuration changes");
        } catch (IOException | UnsupportedOperationException ex) {
            logger.warn("Cannot watch " + this.directories + " (" + ex.getMessage() + "); the configuration is read"
                    + " every " + this.rescan.toSeconds() + " s instead");
            this.watcher = null;
        }
        this.thread = new Thread(this::run, "dualcore-config-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (this.watcher == null) {
                    Thread.sleep(this.rescan.toMillis());
                } else {
                    WatchKey key = this.watcher.poll(this.rescan.toMillis(), TimeUnit.MILLISECONDS);
                    if (key != null) {
                        drain(key);
                        // quiet period: one reload for the several events of one write or symlink swap
                        WatchKey more;
                        while ((more = this.watcher.poll(this.debounce.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                            drain(more);
                        }
                    }
                }
                reloadQuietly();
            }
        } catch (InterruptedException | ClosedWatchServiceException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }

    private void reloadQuietly() {
        try {
            this.reload.run();
        } catch (RuntimeException ex) {
            logger.warn("Configuration reload failed: " + ex.getMessage());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (this.thread != null) {
            this.thread.interrupt();
        }
        if (this.watcher != null) {
            this.watcher.close();
        }
    }
}
