package io.dualcore.gateway.identity;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.web.FilterOrders;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Hands the verified identity to the upstream: identity headers, the optional gateway-signed assertion, and the
 * client's {@code Authorization} header only where the route asks for it.
 */
public final class IdentityInjectionFilter implements GlobalFilter, Ordered {

    /** After authentication, policy and rate limiting; before routing. */
    public static final int INJECTION_FILTER_ORDER = FilterOrders.INJECTION_FILTER;

    private final IdentityHeaders names;

    private final RoutePolicies policies;

    private final IdentityAssertionSigner signer;

    public IdentityInjectionFilter(IdentityHeaders names, RoutePolicies policies, IdentityAssertionSigner signer) {
        this.names = names;
        this.policies = policies;
        this.signer = signer;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        RoutePolicies.Entry entry = this.policies.forExchange(exchange);
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        boolean forwardAuthorization = entry != null && entry.settings().forwardAuthorization();
        boolean hasAuthorization = exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION);
        if (identity == null && (forwardAuthorization || !hasAuthorization)) {
            return chain.filter(exchange);
        }
        String assertion =
                (identity != null && entry != null && entry.settings().identityAssertion())
                        ? this.signer.assertionFor(identity, entry.routeId())
                        : null;
        return chain.filter(exchange.mutate()
                .request(request -> request.headers(headers -> {
                    if (!forwardAuthorization) {
                        headers.remove(HttpHeaders.AUTHORIZATION);
                    }
                    if (identity != null) {
                        this.names.write(identity, headers);
                    }
                    if (assertion != null) {
                        headers.set(this.names.assertion, assertion);
                    }
                }))
                .build());
    }

    @Override
    public int getOrder() {
        return INJECTION_FILTER_ORDER;
    }
}
