package io.dualcore.gateway.ratelimit;

/** The shared backend is out and the plan fails closed. */
public final class RateLimitUnavailableException extends RuntimeException {

    public RateLimitUnavailableException() {
        super("The rate-limit backend is unavailable", null, false, false);
    }
}
