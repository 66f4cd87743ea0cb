package io.dualcore.gateway.live;

/** A candidate configuration refused by a check; the message names the property and the problem, never a value. */
public final class InvalidConfigurationException extends IllegalStateException {

    public InvalidConfigurationException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
