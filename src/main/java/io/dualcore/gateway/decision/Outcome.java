package io.dualcore.gateway.decision;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What a door does with the result of one of the engine's steps: go on (forward, or take the next step) or answer the
 * refusal. A door keeps one instance and passes its per-request state as the context, so a step allocates nothing
 * to hand its result over.
 *
 * @param <C> the door's per-request context (the filter chain of the proxy door, the recorded steps of a decision)
 * @param <T> what the door's answer emits
 */
public interface Outcome<C, T> {

    /** The step let the request through; the exchange carries what the step established. */
    Mono<T> allowed(ServerWebExchange exchange, C context);

    /** The step refused the request: the door answers the problem (already observed by telemetry). */
    Mono<T> refused(ServerWebExchange exchange, C context, Decision.Problem problem);

    /**
     * A step's result, for doors that record them (a decision, explain); the proxy door records nothing.
     *
     * @param subject what the result is about (a plan, a route), or {@code null}
     */
    default void step(C context, String name, String subject, String result) {}
}
