package io.dualcore.gateway.auth.revocation;

import java.util.List;
import org.springframework.util.Assert;

/**
 * Adds, lifts and lists revocations: enforced here at once (the {@link RevocationList}), shared with the other
 * instances ({@link RevocationSharing}), each change reported to the {@link RevocationObserver} (audit: who, what,
 * until when).
 */
public final class Revocations {

    private final RevocationList list;

    private final RevocationSharing sharing;

    private final RevocationObserver observer;

    public Revocations(RevocationList list, RevocationSharing sharing, RevocationObserver observer) {
        Assert.notNull(list, "list cannot be null");
        Assert.notNull(sharing, "sharing cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.list = list;
        this.sharing = sharing;
        this.observer = observer;
    }

    /**
     * Revokes.
     *
     * @return the revocation now in force (merged with an earlier one of the same kind, realm and value)
     * @throws RevocationLimitException when the list is full
     */
    public Revocation revoke(Revocation revocation) {
        Revocation added;
        // one lock with the list's own: a shared-store load is never applied between a change and its sharing
        synchronized (this.list) {
            added = this.list.add(revocation);
            if (added != null) {
                this.sharing.share(added);
            }
        }
        if (added == null) {
            this.observer.limitReached(revocation);
            throw new RevocationLimitException(this.list.maximumSize());
        }
        this.observer.revoked(added);
        return added;
    }

    /**
     * Lifts a revocation.
     *
     * @return the revocation lifted, or {@code null} when none was in force
     */
    public Revocation lift(Revocation.Kind kind, String realm, String value, String actor) {
        Assert.hasText(actor, "actor cannot be empty");
        Revocation lifted;
        synchronized (this.list) {
            lifted = this.list.remove(kind, realm, value);
            // shared even when unknown here: another instance may hold it (made there during a Redis outage)
            this.sharing.lift(kind, realm, value);
        }
        if (lifted != null) {
            this.observer.lifted(lifted, actor);
        }
        return lifted;
    }

    /** The revocations in force here, lapsing first first. */
    public List<Revocation> list() {
        return this.list.list();
    }

    public RevocationList revocationList() {
        return this.list;
    }

    public RevocationObserver observer() {
        return this.observer;
    }

    /** The revocation list is full: nothing more is revoked until entries lapse (or are lifted). */
    public static final class RevocationLimitException extends RuntimeException {

        RevocationLimitException(int maximumSize) {
            super("The revocation list holds its maximum of " + maximumSize + " entries", null, false, false);
        }
    }
}
