package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.route.RouteProperties;
import java.util.Map;

/**
 * One route's settings, resolved once at startup: its access policy, its rate-limit plan per mode (with the
 * bucket-key prefix), whether the client's {@code Authorization} goes upstream, which other credential headers and
 * cookies are stripped, and whether an identity assertion goes along.
 */
public final class CompiledRoute {

    private final String routeId;

    private final AccessPolicy policy;

    private final Limit oidc;

    private final Limit edge;

    private final Limit anonymous;

    private final boolean forwardAuthorization;

    private final boolean identityAssertion;

    private final CredentialCarriers credentials;

    CompiledRoute(
            String routeId,
            AccessPolicy policy,
            RouteProperties.RouteSettings settings,
            Map<String, RatePlan> plans,
            CredentialCarriers credentials) {
        this.routeId = routeId;
        this.policy = policy;
        RouteProperties.RateLimit rateLimit = settings.rateLimit();
        this.oidc = Limit.of(routeId, plans, rateLimit.oidc());
        this.edge = Limit.of(routeId, plans, rateLimit.edge());
        this.anonymous = Limit.of(routeId, plans, rateLimit.anonymous());
        this.forwardAuthorization = settings.forwardAuthorization();
        this.identityAssertion = settings.identityAssertion();
        RouteProperties.ForwardCredentials forward = settings.forwardCredentials();
        this.credentials = credentials.forwarding(
                "dualcore.routes." + routeId + ".forward-credentials", forward.headers(), forward.cookies());
    }

    public String routeId() {
        return this.routeId;
    }

    public AccessPolicy policy() {
        return this.policy;
    }

    /** The rate limit for this caller's mode, or {@code null} when the route sets none. */
    public Limit limitFor(GatewayIdentity identity) {
        if (identity == null) {
            return this.anonymous;
        }
        return switch (identity.mode()) {
            case OIDC -> this.oidc;
            case EDGE -> this.edge;
        };
    }

    public boolean forwardAuthorization() {
        return this.forwardAuthorization;
    }

    public boolean identityAssertion() {
        return this.identityAssertion;
    }

    /** The credential headers and cookies stripped before this route's upstream (minus what it forwards). */
    public CredentialCarriers credentials() {
        return this.credentials;
    }

    /**
     * A plan applied on one route, with the prefix of its bucket keys.
     *
     * @param plan the plan
     * @param keyPrefix {@code routeId|plan|}, followed by the caller's key
     */
    public record Limit(RatePlan plan, String keyPrefix) {

        static Limit of(String routeId, Map<String, RatePlan> plans, String planName) {
            if (planName == null) {
                return null;
            }
            RatePlan plan = plans.get(planName);
            return (plan != null) ? new Limit(plan, routeId + "|" + plan.name() + "|") : null;
        }
    }
}
