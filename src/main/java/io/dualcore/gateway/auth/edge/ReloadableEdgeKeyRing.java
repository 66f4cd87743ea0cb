package io.dualcore.gateway.auth.edge;

import io.dualcore.gateway.auth.AuthProperties;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;

/**
 * The edge key ring in force: the inline keys of {@code dualcore.auth.edge.keys} plus the key files of
 * {@code dualcore.auth.edge.key-directory}, swapped atomically when the directory changes. The directory is watched
 * ({@link WatchService}; any event in it, including Kubernetes' {@code ..data} symlink swap, triggers a re-read of
 * every file) and re-read every {@code key-directory-rescan} in case an event was missed. A change that does not
 * make a valid ring (a short or malformed secret, a duplicate kid, an unparsable file, an empty ring, a kid whose
 * secret changed in place) is refused with one log line and the previous ring stays in force.
 */
public final class ReloadableEdgeKeyRing implements Supplier<EdgeKeyRing>, Closeable {

    private static final Log logger = LogFactory.getLog(ReloadableEdgeKeyRing.class);

    /** Events arriving this close together are one change (Kubernetes writes a Secret in several steps). */
    private static final Duration SETTLE = Duration.ofMillis(100);

    private final List<AuthProperties.EdgeKey> inline;

    private final Path directory;

    private final Duration rescan;

    private final Clock clock;

    private final AtomicLong successes = new AtomicLong();

    private final AtomicLong refusals = new AtomicLong();

    private volatile State state;

    private volatile String lastDigest;

    private volatile boolean closed;

    private WatchService watcher;

    private Thread thread;

    /** The outcome of the last load or reload attempt. */
    public record Reload(boolean accepted, Instant at, String message) {}

    private record State(EdgeKeyRing ring, long version, Reload lastReload) {}

    /**
     * Loads the ring once; a startup error (naming the file or property and the problem) when it is not valid.
     *
     * @param directory the key directory, or {@code null} for inline keys only
     */
    public ReloadableEdgeKeyRing(List<AuthProperties.EdgeKey> inline, Path directory, Duration rescan, Clock clock) {
        Assert.notNull(inline, "inline cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        this.inline = List.copyOf(inline);
        this.directory = directory;
        this.rescan = (rescan != null) ? rescan : Duration.ofSeconds(10);
        this.clock = clock;
        if (directory != null && !Files.isDirectory(directory)) {
            throw new InvalidEdgeKeyException("dualcore.auth.edge.key-directory: " + directory
                    + " is not a directory; mount the key Secret there or unset the property");
        }
        EdgeKeyFiles.Snapshot files =
                (directory != null) ? EdgeKeyFiles.read(directory).valid() : null;
        EdgeKeyRing ring = build(files);
        if (ring.isEmpty()) {
            throw new InvalidEdgeKeyException("dualcore.auth.edge.issuer is set but dualcore.auth.edge.keys is empty"
                    + (directory != null ? " and " + directory + " has no *.properties key file" : "")
                    + "; add a key (or a key file to dualcore.auth.edge.key-directory) or unset the issuer");
        }
        this.lastDigest = (files != null) ? files.digest() : null;
        this.state = new State(ring, 1, new Reload(true, clock.instant(), "loaded " + describe(ring)));
        this.successes.incrementAndGet();
    }

    private EdgeKeyRing build(EdgeKeyFiles.Snapshot files) {
        List<AuthProperties.EdgeKey> keys = new ArrayList<>(this.inline);
        List<String> origins = new ArrayList<>();
        for (int i = 0; i < this.inline.size(); i++) {
            origins.add("dualcore.auth.edge.keys[" + i + "]");
        }
        if (files != null) {
            keys.addAll(files.keys());
            origins.addAll(files.origins());
        }
        return EdgeKeyRing.of(keys, origins);
    }

    private static String describe(EdgeKeyRing ring) {
        return ring.keyIds().size() + " key(s) " + ring.keyIds();
    }

    /** Starts watching the directory (no-op without one). */
    public synchronized void start() {
        if (this.directory == null || this.thread != null) {
            return;
        }
        try {
            this.watcher = FileSystems.getDefault().newWatchService();
            this.directory.register(
                    this.watcher,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | RuntimeException ex) {
            logger.warn("Cannot watch " + this.directory + " (" + ex.getClass().getSimpleName()
                    + "); edge keys are re-read every " + this.rescan.toSeconds() + " s instead");
            this.watcher = null;
        }
        this.thread = new Thread(this::watch, "edge-key-directory");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void watch() {
        while (!this.closed) {
            try {
                if (this.watcher != null) {
                    WatchKey key = this.watcher.poll(this.rescan.toMillis(), TimeUnit.MILLISECONDS);
                    if (key != null) {
                        // let the rest of a multi-step update arrive, then read the directory once
                        Thread.sleep(SETTLE.toMillis());
                        key.pollEvents();
                        key.reset();
                        WatchKey more;
                        while ((more = this.watcher.poll()) != null) {
                            more.pollEvents();
                            more.reset();
                        }
                    }
                } else {
                    Thread.sleep(this.rescan.toMillis());
                }
                reload();
            } catch (InterruptedException | ClosedWatchServiceException ex) {
                return;
            } catch (RuntimeException ex) {
                logger.warn("Edge key directory watch failed (" + ex.getClass().getSimpleName() + "); retrying");
            }
        }
    }

    /**
     * Re-reads the directory now and swaps the ring when its content changed and makes a valid ring.
     *
     * @return whether a new ring is in force
     */
    public synchronized boolean reload() {
        if (this.directory == null) {
            return false;
        }
        State current = this.state;
        EdgeKeyFiles.Snapshot files;
        EdgeKeyRing next;
        try {
            files = EdgeKeyFiles.read(this.directory);
            if (files.digest().equals(this.lastDigest)) {
                return false;
            }
            this.lastDigest = files.digest();
            next = build(files.valid());
            if (next.isEmpty()) {
                throw new InvalidEdgeKeyException("the new ring would have no key at all");
            }
            for (EdgeKeyRing.EdgeKey key : next.keys()) {
                EdgeKeyRing.EdgeKey previous = current.ring().get(key.kid());
                if (previous != null && !previous.sameSecretAs(key)) {
                    throw new InvalidEdgeKeyException("kid=" + key.kid() + ": its secret or algorithm changed in place;"
                            + " a kid names one secret for good: add the new secret under a new kid (or remove the kid"
                            + " first, which revokes its tokens)");
                }
            }
        } catch (InvalidEdgeKeyException ex) {
            this.refusals.incrementAndGet();
            this.state = new State(
                    current.ring(), current.version(), new Reload(false, this.clock.instant(), ex.getMessage()));
            logger.warn("Edge key change in " + this.directory + " refused, ring v" + current.version()
                    + " stays in force: " + ex.getMessage());
            return false;
        }
        long version = current.version() + 1;
        this.state = new State(next, version, new Reload(true, this.clock.instant(), "loaded " + describe(next)));
        this.successes.incrementAndGet();
        logger.info("Edge key ring v" + version + " in force from " + this.directory + ": " + describe(next));
        return true;
    }

    /** The ring in force. */
    @Override
    public EdgeKeyRing get() {
        return this.state.ring();
    }

    /** The version of the ring in force: 1 at startup, one more per accepted change. */
    public long version() {
        return this.state.version();
    }

    /** The outcome of the last load or reload attempt. */
    public Reload lastReload() {
        return this.state.lastReload();
    }

    /** The key directory, or {@code null}. */
    public Path directory() {
        return this.directory;
    }

    /** Accepted loads and reloads so far (the startup load included). */
    public long successCount() {
        return this.successes.get();
    }

    /** Refused changes so far. */
    public long refusalCount() {
        return this.refusals.get();
    }

    @Override
    public synchronized void close() throws IOException {
        this.closed = true;
        if (this.thread != null) {
            this.thread.interrupt();
        }
        if (this.watcher != null) {
            this.watcher.close();
        }
    }
}
