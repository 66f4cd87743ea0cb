package io.dualcore.gateway.auth.revocation;

import io.lettuce.core.KeyValue;
import io.lettuce.core.api.reactive.RedisHashReactiveCommands;
import io.lettuce.core.api.reactive.RedisStringReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.Assert;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shares revocations through Redis: one hash holds every revocation in force ({@code dualcore:{revocations}}, field
 * {@code kind|realm|value}), and a version number ({@code dualcore:{revocations}:version}, one hash slot with the
 * hash) counts its changes. A change made here is written at once; every instance polls the version each
 * {@code interval} and reloads the hash when it moved (and every {@code resync} anyway), so a change reaches every
 * instance within about one interval.
 *
 * <p>Redis unreachable: this instance keeps enforcing what it holds (its last load and its own changes), and its own
 * changes stay pending here and are written once Redis answers again; changes made meanwhile on other instances
 * arrive with the first load after Redis is back. Nothing is ever dropped because Redis is away: after an outage each
 * instance writes back every revocation it holds before it reloads (so a Redis that restarted empty is refilled; a
 * lift made elsewhere during the outage may then need repeating).
 */
public final class RedisRevocationSharing implements RevocationSharing, AutoCloseable {

    /** The hash of the revocations in force. */
    public static final String HASH = "dualcore:{revocations}";

    /** The version number of the hash, incremented with each change. */
    public static final String VERSION = "dualcore:{revocations}:version";

    private static final Log logger = LogFactory.getLog(RedisRevocationSharing.class);

    private final JsonMapper json = JsonMapper.builder().build();

    private final Mono<RedisHashReactiveCommands<String, String>> hashes;

    private final Mono<RedisStringReactiveCommands<String, String>> strings;

    private final RevocationList list;

    private final Clock clock;

    private final Duration timeout;

    private final Duration resync;

    /** Changes made here not yet confirmed written to Redis, by revocation id: a revocation, or {@code null} lifted. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /** Incremented on every local change and confirmed write: a load that overlapped one is not applied. */
    private final AtomicLong localChanges = new AtomicLong();

    private final AtomicBoolean syncing = new AtomicBoolean();

    private volatile String lastVersion;

    /** The highest version seen: a lower one means the shared store lost its data. */
    private volatile long highestVersion;

    /** Whether to write back every revocation held here at the next poll (after an outage). */
    private final AtomicBoolean republish = new AtomicBoolean();

    private volatile long lastLoadMillis;

    private volatile long lastSyncMillis;

    private volatile Disposable task;

    public RedisRevocationSharing(
            Mono<RedisHashReactiveCommands<String, String>> hashes,
            Mono<RedisStringReactiveCommands<String, String>> strings,
            RevocationList list,
            Clock clock,
            Duration timeout,
            Duration resync) {
        Assert.notNull(hashes, "hashes cannot be null");
        Assert.notNull(strings, "strings cannot be null");
        Assert.notNull(list, "list cannot be null");
        this.hashes = hashes;
        this.strings = strings;
        this.list = list;
        this.clock = clock;
        this.timeout = timeout;
        this.resync = resync;
    }

    @Override
    public void share(Revocation revocation) {
        Pending change = new Pending(revocation.id(), revocation);
        this.pending.put(change.id(), change);
        this.localChanges.incrementAndGet();
        write(change).subscribe(ok -> {}, error -> {});
    }

    @Override
    public void lift(Revocation.Kind kind, String realm, String value) {
        Pending change = new Pending(Revocation.id(kind, realm, value), null);
        this.pending.put(change.id(), change);
        this.localChanges.incrementAndGet();
        write(change).subscribe(ok -> {}, error -> {});
    }

    /** Writes one change and bumps the version; confirmed, it is no longer pending. */
    private Mono<Void> write(Pending change) {
        return write(List.of(change));
    }

    /**
     * Writes changes in one batch (one {@code HSET} of every revocation, one {@code HDEL} of every lift, one
     * {@code INCR}), so that writing back thousands of revocations after an outage is a few round trips, not
     * thousands; confirmed, they are no longer pending.
     */
    private Mono<Void> write(List<Pending> changes) {
        if (changes.isEmpty()) {
            return Mono.empty();
        }
        Map<String, String> revoked = new LinkedHashMap<>();
        List<String> lifted = new ArrayList<>();
        for (Pending change : changes) {
            if (change.revocation() != null) {
                revoked.put(change.id(), encode(change.revocation()));
            } else {
                lifted.add(change.id());
            }
        }
        Mono<?> set = revoked.isEmpty() ? Mono.empty() : this.hashes.flatMap(redis -> redis.hset(HASH, revoked));
        Mono<?> delete = lifted.isEmpty()
                ? Mono.empty()
                : this.hashes.flatMap(redis -> redis.hdel(HASH, lifted.toArray(String[]::new)));
        return set.then(delete)
                .then(this.strings.flatMap(redis -> redis.incr(VERSION)))
                .timeout(this.timeout)
                .doOnSuccess(version -> {
                    boolean confirmed = false;
                    for (Pending change : changes) {
                        confirmed |= this.pending.remove(change.id(), change);
                    }
                    if (confirmed) {
                        this.localChanges.incrementAndGet();
                    }
                })
                .then();
    }

    /** Polls every {@code interval} (never two polls at once). */
    public void start(Duration interval) {
        this.task = Flux.interval(interval, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .subscribe(tick -> sync().subscribe(ok -> {}, error -> {}));
    }

    /**
     * Loads the shared revocations now, waiting at most three sync timeouts (a write, the version, the hash; at
     * startup, before any request).
     */
    public void loadNow() {
        try {
            sync().block(this.timeout.multipliedBy(3));
        } catch (RuntimeException ex) {
            logger.warn("The shared revocations could not be loaded from Redis at startup ("
                    + ex.getClass().getSimpleName() + "); they are loaded once Redis answers");
        }
    }

    /**
     * One poll: writes what is pending, then reloads the hash when its version moved or a resync is due. After an
     * outage (or when the version went backwards: a Redis that lost its data), this instance first writes back every
     * revocation it holds, so what was known survives a Redis that restarted empty.
     *
     * <p>The write and the load fail independently: a write that fails (a slow or read-only Redis) stays pending for
     * the next poll and never keeps this instance from loading what the others shared. Each phase has its own
     * {@code timeout}.
     */
    Mono<Void> sync() {
        if (!this.syncing.compareAndSet(false, true)) {
            return Mono.empty();
        }
        return Mono.defer(() -> {
                    republishIfNeeded();
                    return write(List.copyOf(this.pending.values()));
                })
                .onErrorResume(error -> {
                    logger.debug("Writing pending revocations to Redis failed (retried at the next poll): "
                            + error.getClass().getName());
                    return Mono.empty();
                })
                .then(Mono.defer(() -> this.strings
                        .flatMap(redis -> redis.get(VERSION))
                        .defaultIfEmpty("")
                        .timeout(this.timeout)))
                .flatMap(version -> {
                    long now = this.clock.millis();
                    long number = parse(version);
                    if (number < this.highestVersion) {
                        // the shared store forgot changes it had counted: write back what is known here first
                        this.highestVersion = 0;
                        this.republish.set(true);
                        this.lastVersion = null;
                        return Mono.empty();
                    }
                    this.highestVersion = number;
                    if (version.equals(this.lastVersion) && now - this.lastLoadMillis < this.resync.toMillis()) {
                        this.lastSyncMillis = now;
                        return Mono.empty();
                    }
                    return load(version);
                })
                .doOnError(error -> {
                    // Redis may have restarted empty meanwhile: write back what is held here at the next poll
                    this.republish.set(true);
                    this.lastVersion = null;
                    logger.debug("Revocation sync with Redis failed: "
                            + error.getClass().getName());
                })
                .doFinally(signal -> this.syncing.set(false));
    }

    private void republishIfNeeded() {
        if (this.republish.getAndSet(false)) {
            synchronized (this.list) {
                for (Revocation revocation : this.list.list()) {
                    // a pending lift made here stays a lift
                    this.pending.putIfAbsent(revocation.id(), new Pending(revocation.id(), revocation));
                }
                this.localChanges.incrementAndGet();
            }
        }
    }

    private static long parse(String version) {
        try {
            return version.isEmpty() ? 0 : Long.parseLong(version);
        } catch (NumberFormatException ex) {
            return 0;
        }
    }

    private Mono<Void> load(String version) {
        long changesBefore = this.localChanges.get();
        return this.hashes
                .flatMapMany(redis -> redis.hgetall(HASH))
                .collectList()
                .timeout(this.timeout)
                .flatMap(entries -> apply(version, changesBefore, entries));
    }

    private Mono<Void> apply(String version, long changesBefore, List<KeyValue<String, String>> entries) {
        long now = this.clock.millis();
        Map<String, Revocation> shared = new LinkedHashMap<>();
        List<String> lapsed = new ArrayList<>();
        for (KeyValue<String, String> entry : entries) {
            Revocation revocation = decode(entry.getValue());
            if (revocation == null || revocation.until().toEpochMilli() <= now) {
                lapsed.add(entry.getKey());
            } else {
                shared.put(entry.getKey(), revocation);
            }
        }
        synchronized (this.list) {
            if (this.localChanges.get() != changesBefore) {
                // a change made here overlapped the load: the next poll loads again
                return Mono.empty();
            }
            for (Pending change : this.pending.values()) {
                if (change.revocation() != null) {
                    shared.put(change.id(), change.revocation());
                } else {
                    shared.remove(change.id());
                }
            }
            this.list.replaceAll(shared.values());
            this.lastVersion = version;
            this.lastLoadMillis = now;
            this.lastSyncMillis = now;
        }
        if (lapsed.isEmpty()) {
            return Mono.empty();
        }
        // lapsed (or unreadable) entries are removed by whichever instance sees them first
        return this.hashes
                .flatMap(redis -> redis.hdel(HASH, lapsed.toArray(String[]::new)))
                .timeout(this.timeout)
                .then();
    }

    /** Seconds since the last successful poll (a gauge: a growing value means Redis is out of reach). */
    public double secondsSinceLastSync() {
        long last = this.lastSyncMillis;
        return (last == 0) ? Double.NaN : (this.clock.millis() - last) / 1000.0;
    }

    /** The highest version number of the shared store seen so far. */
    long highestVersion() {
        return this.highestVersion;
    }

    /** Changes made here that Redis has not confirmed yet. */
    public int pendingChanges() {
        return this.pending.size();
    }

    String encode(Revocation revocation) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("kind", revocation.kind().value());
        fields.put("realm", revocation.realm());
        fields.put("value", revocation.value());
        if (revocation.issuedBefore() != null) {
            fields.put("issuedBefore", revocation.issuedBefore().toEpochMilli());
        }
        fields.put("sessionlessOnly", revocation.sessionlessOnly());
        fields.put("until", revocation.until().toEpochMilli());
        fields.put("actor", revocation.actor());
        return this.json.writeValueAsString(fields);
    }

    Revocation decode(String value) {
        try {
            Map<?, ?> fields = this.json.readValue(value, Map.class);
            Object issuedBefore = fields.get("issuedBefore");
            return new Revocation(
                    Revocation.Kind.of((String) fields.get("kind")),
                    (String) fields.get("realm"),
                    (String) fields.get("value"),
                    (issuedBefore instanceof Number millis) ? Instant.ofEpochMilli(millis.longValue()) : null,
                    Boolean.TRUE.equals(fields.get("sessionlessOnly")),
                    Instant.ofEpochMilli(((Number) fields.get("until")).longValue()),
                    (String) fields.get("actor"));
        } catch (RuntimeException ex) {
            logger.warn("An unreadable entry of " + HASH + " is ignored ("
                    + ex.getClass().getSimpleName() + ")");
            return null;
        }
    }

    @Override
    public void close() {
        Disposable running = this.task;
        if (running != null) {
            running.dispose();
        }
    }

    private record Pending(String id, Revocation revocation) {}
}
