package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.VerifierChain;
import java.util.function.Supplier;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Pins the configuration a request runs on: read once, at the request's first step, and every later step of that
 * request (route matching, the route's policy and limit, the verifiers) runs on it, whatever a reload swaps in
 * meanwhile. The proxy door pins in its first web filter; the decision engine pins for the other doors.
 */
public interface ConfigurationPin {

    /** Pins nothing: every step reads the fixed configuration it was built with. */
    ConfigurationPin NONE = new ConfigurationPin() {

        @Override
        public <T> Mono<T> pinned(ServerWebExchange exchange, Supplier<Mono<T>> work) {
            return work.get();
        }

        @Override
        public VerifierChain verifiers(ServerWebExchange exchange) {
            return null;
        }

        @Override
        public String version(ServerWebExchange exchange) {
            return null;
        }
    };

    /**
     * Runs the work on the configuration pinned to the exchange: the one already pinned to it, else the one in force
     * now, pinned first (in the exchange's attributes, and in the Reactor context of the work).
     */
    <T> Mono<T> pinned(ServerWebExchange exchange, Supplier<Mono<T>> work);

    /** The verifiers of the exchange's configuration, or {@code null} for the authenticator's own. */
    VerifierChain verifiers(ServerWebExchange exchange);

    /** The version of the exchange's configuration, or {@code null} when there is none to tell. */
    String version(ServerWebExchange exchange);

    /**
     * The post-verification checks of the exchange's configuration (DPoP, the routes' checks), or {@code null} for the
     * engine's own (a configuration that does not manage them).
     */
    default RequestChecks checks(ServerWebExchange exchange) {
        return null;
    }

    /**
     * The identity and credential settings of the exchange's configuration (identity header names and the reserved
     * namespace, credential carriers, the assertion's issuer and lifetime), or {@code null} for the startup ones.
     * Allocation-free: the proxy door asks on every request.
     */
    default IdentitySettings identitySettings(ServerWebExchange exchange) {
        return null;
    }
}
