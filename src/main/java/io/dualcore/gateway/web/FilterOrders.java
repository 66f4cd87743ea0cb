package io.dualcore.gateway.web;

import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;

/**
 * Every order of the gateway's filters, in one place, so the request path reads top to bottom here. Web filters
 * run before Spring Cloud Gateway matches a route; global filters run after, on the matched route.
 */
public final class FilterOrders {

    // ---- web filters: before route matching ----

    /** The canonical request path and request-target checks: the first thing the gateway does. */
    public static final int REQUEST_PATH_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE + 10;

    /** Header hygiene, bearer token and verification: after the canonical path, before route matching. */
    public static final int AUTHENTICATION_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE + 100;

    // ---- global filters: after route matching ----

    /** Outermost global filter: sees every failure of the routing filters. */
    public static final int UPSTREAM_FAILURE_FILTER = Ordered.HIGHEST_PRECEDENCE;

    /** Strips client identity headers on every route. */
    public static final int HYGIENE_FILTER = Ordered.HIGHEST_PRECEDENCE + 10;

    /** Bearer token extraction and verification. */
    public static final int AUTHENTICATION_FILTER = Ordered.HIGHEST_PRECEDENCE + 100;

    /** The route's access policy, right after authentication. */
    public static final int POLICY_FILTER = Ordered.HIGHEST_PRECEDENCE + 200;

    /** The route's rate limit, after the access policy. */
    public static final int RATE_LIMIT_FILTER = Ordered.HIGHEST_PRECEDENCE + 300;

    /**
     * Right after Spring Cloud Gateway's {@code RouteToRequestUrlFilter} (order 10000) built the upstream URL: keeps
     * its path and query exactly the exchange request's (the canonical path).
     */
    public static final int CANONICAL_UPSTREAM_URL_FILTER = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;

    /** Identity headers and assertion, after policy and rate limit; before Spring Cloud Gateway's routing filters. */
    public static final int INJECTION_FILTER = Ordered.HIGHEST_PRECEDENCE + 400;

    private FilterOrders() {}
}
