package io.dualcore.gateway.auth.revocation;

/**
 * Where revocations are shared with the other gateway instances (Redis), so each enforces the others'. Changes are
 * handed over without waiting: the local list enforces a change at once, sharing follows.
 */
public interface RevocationSharing {

    /** Not shared: one instance, or no shared store configured. */
    RevocationSharing NONE = new RevocationSharing() {
        @Override
        public void share(Revocation revocation) {}

        @Override
        public void lift(Revocation.Kind kind, String realm, String value) {}
    };

    /** Shares a revocation now in force here. */
    void share(Revocation revocation);

    /** Shares the lifting of a revocation. */
    void lift(Revocation.Kind kind, String realm, String value);
}
