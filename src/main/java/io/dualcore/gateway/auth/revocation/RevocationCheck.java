package io.dualcore.gateway.auth.revocation;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.IdentityCheck;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import org.springframework.util.Assert;

/**
 * Refuses an identity whose subject, session, device or token is revoked: {@code 401 invalid_token} with the code
 * {@code token_revoked}. The first {@link IdentityCheck}: it runs on verified-token cache hits too, so a revocation
 * beats the cache. With nothing revoked it costs one volatile read.
 */
public final class RevocationCheck implements IdentityCheck {

    /** Shared: it has no stack trace, and names neither the token nor what was revoked. */
    private static final TokenRejectedException REVOKED =
            new TokenRejectedException(ErrorCode.TOKEN_REVOKED, "The token has been revoked");

    private final RevocationList revocations;

    public RevocationCheck(RevocationList revocations) {
        Assert.notNull(revocations, "revocations cannot be null");
        this.revocations = revocations;
    }

    @Override
    public void check(GatewayIdentity identity) {
        if (this.revocations.isEmpty()) {
            return;
        }
        if (this.revocations.find(identity) != null) {
            throw REVOKED;
        }
    }

    @Override
    public String toString() {
        return "RevocationCheck[" + this.revocations.size() + " revoked]";
    }
}
