package io.dualcore.gateway.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Keeps the upstream URL's path and query exactly as the exchange's request carries them (the canonical path, the
 * client's query). Spring Cloud Gateway's {@code RouteToRequestUrlFilter} rebuilds the URL and treats it as not yet
 * encoded when any part fails Spring's strict check (a query such as {@code a[]=1}), and then encodes every
 * {@code %} again: {@code /api/a%20b} would reach the upstream as {@code /api/a%2520b}. Only such URLs are rebuilt;
 * for every other request this is two reference comparisons of already parsed strings.
 */
public final class CanonicalUpstreamUrlFilter implements GlobalFilter, Ordered {

    @Override
    public int getOrder() {
        return FilterOrders.CANONICAL_UPSTREAM_URL_FILTER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
        if (url != null && url.getRawAuthority() != null) {
            URI request = exchange.getRequest().getURI();
            String rawPath = request.getRawPath();
            String rawQuery = request.getRawQuery();
            if (!Objects.equals(url.getRawPath(), rawPath) || !Objects.equals(url.getRawQuery(), rawQuery)) {
                exchange.getAttributes()
                        .put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, rebuild(url, rawPath, rawQuery));
            }
        }
        return chain.filter(exchange);
    }

    private static URI rebuild(URI url, String rawPath, String rawQuery) {
        StringBuilder text = new StringBuilder(url.getScheme()).append("://").append(url.getRawAuthority());
        text.append(rawPath);
        if (rawQuery != null) {
            text.append('?').append(rawQuery);
        }
        try {
            return new URI(text.toString());
        } catch (URISyntaxException ex) {
            // both parts come from the request's own URI, which parsed: keep Spring Cloud Gateway's URL
            return url;
        }
    }
}
