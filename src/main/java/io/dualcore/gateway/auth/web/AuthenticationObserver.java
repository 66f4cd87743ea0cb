package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.web.ErrorCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the authentication step reports, for telemetry to observe without the step knowing about spans, meters or
 * audit lines. Implementations must be cheap when nothing is recorded: they run on every request.
 */
public interface AuthenticationObserver {

    /** Observes nothing. */
    AuthenticationObserver NONE = new AuthenticationObserver() {};

    /** A token verified without I/O, or served from the verified-token cache. */
    default void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {}

    /** A request refused before any identity was established: the answer is final. */
    default void rejected(ServerWebExchange exchange, ErrorCode code) {}

    /** A verification that needs I/O (a key fetch) starts; the returned scope ends with it. */
    default Verification verifying(ServerWebExchange exchange) {
        return Verification.NONE;
    }

    /** One verification that needs I/O. */
    interface Verification {

        /** Observes nothing. */
        Verification NONE = new Verification() {};

        /** Adds what the verification's own I/O needs to be observed (the trace context of key fetches). */
        default reactor.util.context.Context contribute(reactor.util.context.Context context) {
            return context;
        }

        default void authenticated(GatewayIdentity identity) {}

        default void rejected(ErrorCode code) {}
    }
}
