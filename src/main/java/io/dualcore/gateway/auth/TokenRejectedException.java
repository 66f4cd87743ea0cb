package io.dualcore.gateway.auth;

import io.dualcore.gateway.web.ErrorCode;
import org.springframework.util.Assert;

/**
 * A token, or a request's credentials, failed authentication. Carries a stable {@link ErrorCode} and a
 * description written by the gateway (never echoing token content). Rejections are routine traffic, so no
 * stack trace is captured.
 */
public final class TokenRejectedException extends RuntimeException {

    private final ErrorCode errorCode;

    public TokenRejectedException(ErrorCode errorCode, String description) {
        super(description, null, false, false);
        Assert.notNull(errorCode, "errorCode cannot be null");
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return this.errorCode;
    }

    public String description() {
        return getMessage();
    }
}
