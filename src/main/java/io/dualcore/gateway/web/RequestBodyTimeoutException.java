package io.dualcore.gateway.web;

/**
 * The request body paused for longer than {@code dualcore.connections.body-read-timeout}: signalled into the request's
 * body by {@link ConnectionGuard}, so that the exchange ends with a 408 {@code request_timeout} that its audit line
 * and metrics record too. Stackless: the cause is the client, not the code.
 */
public final class RequestBodyTimeoutException extends RuntimeException {

    public RequestBodyTimeoutException() {
        super("The request body paused for longer than the server waits", null, false, false);
    }
}
