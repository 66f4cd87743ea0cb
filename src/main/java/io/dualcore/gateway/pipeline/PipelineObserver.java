package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.web.ErrorCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the route pipeline reports, for telemetry to observe without the pipeline knowing about spans, meters or
 * audit lines. Implementations run on every routed request and must be cheap when nothing is recorded.
 */
public interface PipelineObserver {

    /**
     * Exchange attribute: the front door that asked for a decision without proxying ({@code nginx}, {@code caddy},
     * ...); absent on a request the gateway proxies.
     */
    String DOOR_ATTRIBUTE = PipelineObserver.class.getName() + ".door";

    /** Observes nothing. */
    PipelineObserver NONE = new PipelineObserver() {};

    /**
     * The route's access policy's verdict.
     *
     * @param identity the caller, or {@code null} when anonymous
     * @param code the denial, or {@code null} when allowed
     */
    default void authorized(ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {}

    /** A rate-limit decision, or {@code decision == null} when the backend failed closed. */
    default void rateLimited(ServerWebExchange exchange, RatePlan plan, RateLimitDecision decision) {}

    /**
     * The request's final outcome: once per routed request, with the status the client got (from the policy, the
     * limiter, the upstream, or the gateway's upstream-failure answer; 499 when the client went away first).
     *
     * @param code the gateway's denial code, or {@code null} when the request was let through
     */
    default void completed(
            ServerWebExchange exchange, String routeId, GatewayIdentity identity, int status, ErrorCode code) {}
}
