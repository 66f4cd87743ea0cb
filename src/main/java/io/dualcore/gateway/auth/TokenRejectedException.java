package io.dualcore.gateway.auth;

import org.springframework.util.Assert;

/**
 * A token, or a request's credentials, failed authentication. Carries a stable {@link AuthErrorCode} and a
 * description written by the gateway (never echoing token content). Rejections are routine traffic, so no
 * stack trace is captured.
 */
public final class TokenRejectedException extends RuntimeException {

    private final AuthErrorCode errorCode;

    public TokenRejectedException(AuthErrorCode errorCode, String description) {
        super(description, null, false, false);
        Assert.notNull(errorCode, "errorCode cannot be null");
        this.errorCode = errorCode;
    }

    public AuthErrorCode errorCode() {
        return this.errorCode;
    }

    public String description() {
        return getMessage();
    }
}
