package io.dualcore.gateway.pipeline;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationModes;
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

    /** By {@link io.dualcore.gateway.auth.Mode#index()}; {@code null} where the route sets no plan. */
    private final Limit[] limits;

    private final Limit anonymous;

    private final boolean forwardAuthorization;

    private final boolean identityAssertion;

    private final CredentialCarriers credentials;

    CompiledRoute(
            String routeId,
            AccessPolicy policy,
            RouteProperties.RouteSettings settings,
            Map<String, RatePlan> plans,
            CredentialCarriers credentials,
            VerificationModes modes) {
        this.routeId = routeId;
        this.policy = policy;
        this.limits = new Limit[modes.slots()];
        Limit anonymous = null;
        for (Map.Entry<String, String> entry : settings.rateLimit().entrySet()) {
            Limit limit = Limit.of(routeId, plans, entry.getValue());
            if (Mode.ANONYMOUS.equalsIgnoreCase(entry.getKey())) {
                anonymous = limit;
            } else {
                String where = "dualcore.routes." + routeId + ".rate-limit";
                this.limits[modes.parse(where, entry.getKey()).index()] = limit;
            }
        }
        this.anonymous = anonymous;
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
        int index = identity.mode().index();
        if (index >= this.limits.length) {
            throw new IllegalStateException("mode '" + identity.mode() + "' is not registered");
        }
        return this.limits[index];
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
