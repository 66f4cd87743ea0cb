package io.dualcore.gateway.auth.dpop;

import java.time.Instant;

/**
 * A DPoP proof whose signature, header and claims were verified for one request.
 *
 * @param thumbprint the RFC 7638 SHA-256 thumbprint of the proof's public key (base64url), compared to the token's
 *     {@code cnf.jkt}
 * @param jti the proof's unique id, for the replay check
 * @param issuedAt the proof's {@code iat}
 */
public record DpopProof(String thumbprint, String jti, Instant issuedAt) {}
