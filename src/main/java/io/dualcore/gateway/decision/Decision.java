package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.web.ErrorCode;
import java.util.List;
import org.springframework.http.HttpHeaders;

/**
 * What the engine decided about one request: the same record whichever door asked.
 *
 * @param door the door that asked
 * @param identity the verified caller, or {@code null} when anonymous or refused before one was known
 * @param path the canonical path the decision is about, or {@code null} when the request-target was refused
 * @param routeId the matched route, or {@code null}
 * @param problem the refusal to answer, or {@code null} when the request is allowed
 * @param upstreamHeaders on allow, the headers to set on the request to the upstream (the identity headers and
 *     the assertion, exactly as the gateway writes them); empty on refusal
 * @param responseHeaders headers for the client's response ({@code RateLimit} headers of the route's plan)
 * @param steps each step's result, in order, for logs and explain (never a token)
 * @param configuration the version of the configuration every step ran on (one, pinned when the decision began), or
 *     {@code null} where the configuration is fixed
 */
public record Decision(
        String door,
        GatewayIdentity identity,
        String path,
        String routeId,
        Problem problem,
        HttpHeaders upstreamHeaders,
        HttpHeaders responseHeaders,
        List<Step> steps,
        String configuration) {

    /** A decision on a fixed configuration. */
    public Decision(
            String door,
            GatewayIdentity identity,
            String path,
            String routeId,
            Problem problem,
            HttpHeaders upstreamHeaders,
            HttpHeaders responseHeaders,
            List<Step> steps) {
        this(door, identity, path, routeId, problem, upstreamHeaders, responseHeaders, steps, null);
    }

    /** Whether the request may go to the upstream. */
    public boolean allowed() {
        return this.problem == null;
    }

    /** The status to answer: 200 on allow, else the problem's. */
    public int status() {
        return allowed() ? 200 : this.problem.code().status().value();
    }

    /**
     * A refusal, answered with the gateway's problem response.
     *
     * @param scope for {@code insufficient_scope}, the scope the challenge names, else {@code null}
     * @param retryAfter seconds for {@code Retry-After} of a 429 or 503, or a negative value for the default
     */
    public record Problem(ErrorCode code, String detail, String scope, long retryAfter) {}

    /** One step and its result, e.g. {@code route: orders-api}. */
    public record Step(String name, String result) {

        @Override
        public String toString() {
            return this.name + ": " + this.result;
        }
    }
}
