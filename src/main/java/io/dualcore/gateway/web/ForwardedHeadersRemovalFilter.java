package io.dualcore.gateway.web;

import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Spring Cloud Gateway's {@link RemoveForwardedHeadersFilter} (no trusted proxy: the client's {@code Forwarded}
 * header never reaches an upstream) with the same result and order, its input read without a copy first
 * ({@link UpstreamHeaderCopy}).
 */
public final class ForwardedHeadersRemovalFilter extends RemoveForwardedHeadersFilter {

    private static final String FORWARDED = "forwarded";

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        // the stock test: !name.equalsIgnoreCase("Forwarded")
        return UpstreamHeaderCopy.without(input, exchange, name -> name.equalsIgnoreCase(FORWARDED));
    }
}
