package io.dualcore.gateway.auth.edge;

/** A configured edge key cannot be used; the message names the key and the fix. Fails startup. */
public final class InvalidEdgeKeyException extends IllegalStateException {

    public InvalidEdgeKeyException(String message) {
        super(message);
    }
}
