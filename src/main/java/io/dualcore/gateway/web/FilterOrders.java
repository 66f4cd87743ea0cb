package io.dualcore.gateway.web;

import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;

/**
 * Every order of the gateway's filters, in one place, so the request path reads top to bottom here. Web filters
 * run before Spring Cloud Gateway matches a route; global filters run after, on the matched route.
 */
public final class FilterOrders {

    // ---- web filters: before route matching ----

    /**
     * The request's server span (trace context continued from the client, sampled or not): first, so that every
     * answer, refusals of the request path included, is traced and audited under it.
     */
    public static final int SERVER_SPAN_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE;

    /**
     * Pins the active configuration (routes, policies, plans) to the request: right after the span, before anything
     * reads the configuration, so that one request never runs on two configurations across a reload.
     */
    public static final int ACTIVE_CONFIGURATION_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE + 5;

    /** The canonical request path and request-target checks: the first thing the gateway does to the request. */
    public static final int REQUEST_PATH_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE + 10;

    /** Header hygiene, bearer token and verification: after the canonical path, before route matching. */
    public static final int AUTHENTICATION_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE + 100;

    /**
     * A bearer token in a form body (only {@code application/x-www-form-urlencoded} requests read their body): after
     * authentication, so a bad header token is refused before any body is read; before route matching, so no route
     * sees such a request.
     */
    public static final int FORM_CREDENTIALS_WEB_FILTER = Ordered.HIGHEST_PRECEDENCE + 110;

    // ---- global filters: after route matching ----

    /**
     * The route's pipeline: the route's token checks, access policy, rate limit, identity injection. Outermost, so that the final outcome it
     * records includes the upstream failure answers written inside it.
     */
    public static final int ROUTE_PIPELINE_FILTER = Ordered.HIGHEST_PRECEDENCE + 1;

    /** Turns every failure of the routing filters into a 502 / 504 problem. */
    public static final int UPSTREAM_FAILURE_FILTER = Ordered.HIGHEST_PRECEDENCE + 10;

    /**
     * Where Spring Cloud Gateway's {@code RouteToRequestUrlFilter} (order 10000) builds the upstream URL: the filter
     * that replaces it builds it with the path and query exactly the exchange request's (the canonical path).
     */
    public static final int CANONICAL_UPSTREAM_URL_FILTER = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER;

    // ---- upstream request headers: Spring Cloud Gateway's HttpHeadersFilters, on the copy that goes upstream ----

    /**
     * The identity headers, the assertion and the {@code Authorization} decision of the route pipeline: after the
     * hop-by-hop filter ({@code LOWEST_PRECEDENCE - 1}; Spring Cloud Gateway's, replaced by {@link HopByHopHeadersFilter}),
     * which hands on the upstream copy of the headers, so they are written into that copy and no {@code Connection}
     * option can remove them.
     */
    public static final int IDENTITY_HAND_OVER = Ordered.LOWEST_PRECEDENCE;

    /** The upstream's {@code traceparent}: likewise after the hop-by-hop filter, into its copy. */
    public static final int TRACE_CONTEXT_HEADERS = Ordered.LOWEST_PRECEDENCE;

    // ---- handler mappings ----

    /** The answer for a path no route matches: after every other handler mapping. */
    public static final int NO_ROUTE_HANDLER_MAPPING = Ordered.LOWEST_PRECEDENCE;

    private FilterOrders() {}
}
