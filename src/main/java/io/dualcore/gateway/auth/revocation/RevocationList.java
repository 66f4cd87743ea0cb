package io.dualcore.gateway.auth.revocation;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.util.Assert;

/**
 * The revocations this instance enforces, in memory: bounded ({@code maximumSize} entries; a revocation beyond it is
 * refused, never one evicted) and expiring (an entry is dropped once its {@code until} passed). Reads are lock-free
 * and allocation-free: a volatile count makes "nothing revoked" one read, and a match is a hash look-up per kind that
 * has entries. Writes are rare (logouts, admin changes, a resync) and serialized.
 */
public final class RevocationList {

    private static final Revocation.Kind[] KINDS = Revocation.Kind.values();

    /** By kind (ordinal), then realm, then value. */
    private final Map<String, Map<String, Revocation>>[] byKind;

    /** Entries per kind (ordinal); the sum is {@link #size()}. Written under the lock, read without it. */
    private final int[] counts = new int[KINDS.length];

    private volatile int size;

    private final int maximumSize;

    private final Clock clock;

    @SuppressWarnings("unchecked")
    public RevocationList(int maximumSize, Clock clock) {
        Assert.isTrue(maximumSize > 0, "maximumSize must be positive");
        Assert.notNull(clock, "clock cannot be null");
        this.maximumSize = maximumSize;
        this.clock = clock;
        this.byKind = new Map[KINDS.length];
        for (int i = 0; i < KINDS.length; i++) {
            this.byKind[i] = new ConcurrentHashMap<>();
        }
    }

    /** Whether nothing is revoked: the hot path's only cost then. */
    public boolean isEmpty() {
        return this.size == 0;
    }

    public int size() {
        return this.size;
    }

    public int maximumSize() {
        return this.maximumSize;
    }

    /**
     * The revocation that refuses this identity now, or {@code null}. Allocates nothing unless a revocation matches.
     */
    public Revocation find(GatewayIdentity identity) {
        if (this.size == 0) {
            return null;
        }
        long now = this.clock.millis();
        String realm = identity.realm();
        Map<String, Object> claims = identity.claims();
        Revocation found = match(Revocation.Kind.SESSION, realm, claims.get("sid"), identity, now);
        if (found == null) {
            found = match(Revocation.Kind.SUBJECT, realm, identity.subject(), identity, now);
        }
        if (found == null && identity.deviceId() != null) {
            found = match(Revocation.Kind.DEVICE, realm, identity.deviceId(), identity, now);
        }
        if (found == null) {
            found = match(Revocation.Kind.TOKEN, realm, claims.get("jti"), identity, now);
        }
        return found;
    }

    private Revocation match(Revocation.Kind kind, String realm, Object value, GatewayIdentity identity, long now) {
        if (!(value instanceof String text) || this.counts[kind.ordinal()] == 0 || realm == null) {
            return null;
        }
        Map<String, Revocation> ofRealm = this.byKind[kind.ordinal()].get(realm);
        if (ofRealm == null) {
            return null;
        }
        Revocation revocation = ofRealm.get(text);
        return (revocation != null && revocation.covers(identity, now)) ? revocation : null;
    }

    /**
     * Adds or replaces a revocation (the same kind, realm and value): a replacement keeps the later {@code until}
     * and the later {@code issuedBefore}, so a repeated logout never shortens one.
     *
     * @return the revocation now in force, or {@code null} when the list is full (and holds nothing expired)
     */
    public synchronized Revocation add(Revocation revocation) {
        Assert.notNull(revocation, "revocation cannot be null");
        Revocation merged = revocation;
        Revocation existing = get(revocation.kind(), revocation.realm(), revocation.value());
        if (existing != null) {
            merged = merge(existing, revocation);
        } else if (this.size >= this.maximumSize && (purgeExpired() == 0 || this.size >= this.maximumSize)) {
            return null;
        }
        put(merged);
        return merged;
    }

    static Revocation merge(Revocation existing, Revocation update) {
        Instant until = update.until().isAfter(existing.until()) ? update.until() : existing.until();
        Instant issuedBefore = (existing.issuedBefore() == null || update.issuedBefore() == null)
                ? null
                : (update.issuedBefore().isAfter(existing.issuedBefore())
                        ? update.issuedBefore()
                        : existing.issuedBefore());
        return new Revocation(
                update.kind(),
                update.realm(),
                update.value(),
                issuedBefore,
                existing.sessionlessOnly() && update.sessionlessOnly(),
                until,
                update.actor());
    }

    /** The revocation of this kind, realm and value, expired or not, or {@code null}. */
    public Revocation get(Revocation.Kind kind, String realm, String value) {
        Map<String, Revocation> ofRealm = this.byKind[kind.ordinal()].get(realm);
        return (ofRealm != null) ? ofRealm.get(value) : null;
    }

    /**
     * Lifts a revocation.
     *
     * @return the revocation lifted, or {@code null} when there was none
     */
    public synchronized Revocation remove(Revocation.Kind kind, String realm, String value) {
        Map<String, Revocation> ofRealm = this.byKind[kind.ordinal()].get(realm);
        if (ofRealm == null) {
            return null;
        }
        Revocation removed = ofRealm.remove(value);
        if (removed != null) {
            if (ofRealm.isEmpty()) {
                this.byKind[kind.ordinal()].remove(realm);
            }
            this.counts[kind.ordinal()]--;
            this.size--;
        }
        return removed;
    }

    /**
     * Replaces every entry with these (a resync from the shared store), keeping the bound: beyond it, the revocations
     * that lapse last are kept.
     */
    public synchronized void replaceAll(Collection<Revocation> revocations) {
        long now = this.clock.millis();
        List<Revocation> live = new ArrayList<>();
        for (Revocation revocation : revocations) {
            if (revocation.until().toEpochMilli() > now) {
                live.add(revocation);
            }
        }
        if (live.size() > this.maximumSize) {
            live.sort(Comparator.comparing(Revocation::until).reversed());
            live = live.subList(0, this.maximumSize);
        }
        for (Map<String, Map<String, Revocation>> kind : this.byKind) {
            kind.clear();
        }
        Arrays.fill(this.counts, 0);
        this.size = 0;
        for (Revocation revocation : live) {
            Revocation existing = get(revocation.kind(), revocation.realm(), revocation.value());
            put(existing != null ? merge(existing, revocation) : revocation);
        }
    }

    /** Every revocation in force, lapsing first first. */
    public List<Revocation> list() {
        long now = this.clock.millis();
        List<Revocation> all = new ArrayList<>();
        for (Map<String, Map<String, Revocation>> kind : this.byKind) {
            for (Map<String, Revocation> ofRealm : kind.values()) {
                for (Revocation revocation : ofRealm.values()) {
                    if (revocation.until().toEpochMilli() > now) {
                        all.add(revocation);
                    }
                }
            }
        }
        all.sort(Comparator.comparing(Revocation::until));
        return all;
    }

    /**
     * Drops the revocations that lapsed.
     *
     * @return how many were dropped
     */
    public synchronized int purgeExpired() {
        long now = this.clock.millis();
        int dropped = 0;
        for (int i = 0; i < KINDS.length; i++) {
            for (Map<String, Revocation> ofRealm : this.byKind[i].values()) {
                int before = ofRealm.size();
                ofRealm.values().removeIf(revocation -> revocation.until().toEpochMilli() <= now);
                int removed = before - ofRealm.size();
                this.counts[i] -= removed;
                dropped += removed;
            }
            this.byKind[i].values().removeIf(Map::isEmpty);
        }
        this.size -= dropped;
        return dropped;
    }

    private void put(Revocation revocation) {
        int kind = revocation.kind().ordinal();
        Revocation previous = this.byKind[kind]
                .computeIfAbsent(revocation.realm(), realm -> new ConcurrentHashMap<>())
                .put(revocation.value(), revocation);
        if (previous == null) {
            this.counts[kind]++;
            this.size++;
        }
    }
}
