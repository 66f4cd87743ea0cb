package io.dualcore.gateway.identity;

import io.dualcore.gateway.web.FilterOrders;
import java.util.ArrayList;
import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Removes, on every route and before anything else, each client header in the reserved identity namespace (any
 * case, {@code _} for {@code -}), and every {@code Connection} token that names one, so a client can neither
 * forge an identity header nor make the gateway's own one disappear as a hop-by-hop header.
 */
public final class IdentityHeaderHygieneFilter implements GlobalFilter, Ordered {

    /** First of the gateway's filters. */
    public static final int HYGIENE_FILTER_ORDER = FilterOrders.HYGIENE_FILTER;

    private final IdentityHeaders names;

    public IdentityHeaderHygieneFilter(IdentityHeaders names) {
        this.names = names;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        if (!needsCleaning(headers)) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange.mutate()
                .request(request -> request.headers(this::clean))
                .build());
    }

    private boolean needsCleaning(HttpHeaders headers) {
        for (String name : headers.headerNames()) {
            if (this.names.isReserved(name) || HttpHeaders.CONNECTION.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private void clean(HttpHeaders headers) {
        List<String> reserved = new ArrayList<>();
        for (String name : headers.headerNames()) {
            if (this.names.isReserved(name)) {
                reserved.add(name);
            }
        }
        reserved.forEach(headers::remove);
        List<String> connection = headers.get(HttpHeaders.CONNECTION);
        if (connection != null) {
            List<String> kept = new ArrayList<>();
            for (String value : connection) {
                for (String token : value.split(",")) {
                    String option = token.trim();
                    if (!option.isEmpty() && !this.names.isReserved(option)) {
                        kept.add(option);
                    }
                }
            }
            if (kept.isEmpty()) {
                headers.remove(HttpHeaders.CONNECTION);
            } else {
                headers.put(HttpHeaders.CONNECTION, List.of(String.join(", ", kept)));
            }
        }
    }

    @Override
    public int getOrder() {
        return HYGIENE_FILTER_ORDER;
    }
}
