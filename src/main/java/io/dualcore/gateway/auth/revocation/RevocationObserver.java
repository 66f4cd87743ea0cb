package io.dualcore.gateway.auth.revocation;

/**
 * What revocation reports, for telemetry to audit and count without this package knowing about meters or audit
 * lines. Never given a token.
 */
public interface RevocationObserver {

    /** Observes nothing. */
    RevocationObserver NONE = new RevocationObserver() {};

    /** A revocation was added (or extended) here: by an admin, or by a back-channel logout. */
    default void revoked(Revocation revocation) {}

    /** A revocation was lifted here by {@code actor}. */
    default void lifted(Revocation revocation, String actor) {}

    /** A revocation was refused: the list is full. */
    default void limitReached(Revocation revocation) {}

    /** A back-channel logout request of a realm was accepted. */
    default void logoutAccepted(String realm) {}

    /** A back-channel logout request was refused; {@code reason} is the gateway's own description. */
    default void logoutRefused(String realm, String reason) {}

    /** A WebSocket connection was closed because its token expired or was revoked ({@code reason}). */
    default void connectionClosed(String realm, String subject, String reason) {}
}
