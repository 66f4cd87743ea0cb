package io.dualcore.gateway.policy;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Enforces the route's {@link AccessPolicy} on the verified identity (or its absence): 401 when credentials are
 * needed, 403 with a specific code when the identity may not use the route, and 403 for routes without a policy.
 */
public final class AccessPolicyFilter implements GlobalFilter, Ordered {

    /** Right after authentication. */
    public static final int POLICY_FILTER_ORDER = FilterOrders.POLICY_FILTER;

    private final RoutePolicies policies;

    private final ProblemResponses errors;

    private final GatewayTelemetry telemetry;

    public AccessPolicyFilter(RoutePolicies policies, ProblemResponses errors, GatewayTelemetry telemetry) {
        this.policies = policies;
        this.errors = errors;
        this.telemetry = telemetry;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicies.Entry entry = this.policies.forExchange(exchange);
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        if (entry == null) {
            this.telemetry.authorized(exchange, identity, ErrorCode.NO_ROUTE_POLICY);
            return this.errors.write(
                    exchange, ErrorCode.NO_ROUTE_POLICY, "This route has no access policy and is denied", null);
        }
        AccessPolicy.Denial denial = entry.policy().check(identity);
        if (denial != null) {
            this.telemetry.authorized(exchange, identity, denial.code());
            return this.errors.write(exchange, denial.code(), denial.description(), denial.scope());
        }
        this.telemetry.authorized(exchange, identity, null);
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return POLICY_FILTER_ORDER;
    }
}
