package io.dualcore.gateway.auth.dpop;

/**
 * How an issuer's tokens are sender-constrained with DPoP (RFC 9449).
 *
 * <ul>
 *   <li>{@link #OFF}: DPoP is not used; the {@code DPoP} scheme is refused and a {@code cnf.jkt} claim is ignored
 *       (the token is a plain bearer token, as before).
 *   <li>{@link #ALLOWED}: a DPoP-bound token ({@code cnf.jkt}) must come with the {@code DPoP} scheme and a valid
 *       proof; unbound tokens are still accepted with {@code Bearer}.
 *   <li>{@link #REQUIRED}: only DPoP-bound tokens with a valid proof are accepted.
 * </ul>
 */
public enum DpopMode {
    OFF,
    ALLOWED,
    REQUIRED
}
