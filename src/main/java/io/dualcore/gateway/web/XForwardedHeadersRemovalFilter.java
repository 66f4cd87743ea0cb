package io.dualcore.gateway.web;

import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Spring Cloud Gateway's {@link RemoveXForwardedHeadersFilter} (no trusted proxy: no client's {@code X-Forwarded-*}
 * header reaches an upstream) with the same result and order, without lower-casing each name, its input read
 * without a copy first ({@link UpstreamHeaderCopy}).
 */
public final class XForwardedHeadersRemovalFilter extends RemoveXForwardedHeadersFilter {

    private static final String X_FORWARDED = "x-forwarded-";

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        // the stock test: name.toLowerCase(Locale.ROOT).startsWith("x-forwarded-")
        return UpstreamHeaderCopy.without(
                input, exchange, name -> UpstreamHeaderCopy.startsWithLowerCase(name, X_FORWARDED));
    }
}
