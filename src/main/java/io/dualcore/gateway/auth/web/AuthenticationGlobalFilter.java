package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Authenticates every routed request: extracts the bearer token, runs the verification chain and stores the
 * {@link GatewayIdentity} in the exchange. Credentials that fail never reach an upstream, even on a route open to
 * anonymous callers; a request without credentials continues anonymous, for the route's access policy to judge.
 * This single filter replaces Spring Security's web filter chain on the hot path.
 */
public final class AuthenticationGlobalFilter implements GlobalFilter, Ordered {

    /** Runs before every routing filter, right after header hygiene. */
    public static final int AUTHENTICATION_FILTER_ORDER = FilterOrders.AUTHENTICATION_FILTER;

    /** Name of the span around token verification. */
    public static final String SPAN_NAME = "dualcore.authenticate";

    private static final Log logger = LogFactory.getLog(AuthenticationGlobalFilter.class);

    private final BearerTokenExtractor extractor = new BearerTokenExtractor();

    private final TokenAuthenticator authenticator;

    private final ProblemResponses errors;

    private final GatewayTelemetry telemetry;

    public AuthenticationGlobalFilter(
            TokenAuthenticator authenticator, ProblemResponses errors, GatewayTelemetry telemetry) {
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(telemetry, "telemetry cannot be null");
        this.authenticator = authenticator;
        this.errors = errors;
        this.telemetry = telemetry;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        String token;
        try {
            token = this.extractor.extract(exchange.getRequest());
        } catch (TokenRejectedException ex) {
            return reject(exchange, ex, this.telemetry.startSpan(SPAN_NAME, exchange));
        }
        if (token == null) {
            // anonymous: the route's access policy decides whether that is enough
            return chain.filter(exchange);
        }
        GatewayIdentity cached = this.authenticator.cached(token);
        if (cached != null) {
            this.telemetry.authenticated(this.telemetry.startSpan(SPAN_NAME, exchange), cached);
            exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, cached);
            return chain.filter(exchange);
        }
        Span span = this.telemetry.startSpan(SPAN_NAME, exchange);
        Context traceContext = GatewayTelemetry.requestContext(exchange).with(span);
        return this.authenticator
                .verify(token)
                .contextWrite(context -> context.put(Context.class, traceContext))
                .onErrorResume(
                        TokenRejectedException.class,
                        ex -> reject(exchange, ex, span).then(Mono.empty()))
                .flatMap(identity -> {
                    this.telemetry.authenticated(span, identity);
                    exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, identity);
                    return chain.filter(exchange);
                });
    }

    private Mono<Void> reject(ServerWebExchange exchange, TokenRejectedException rejection, Span span) {
        this.telemetry.rejected(span, exchange, rejection.errorCode());
        if (logger.isDebugEnabled()) {
            // the code and our own description only: never the token
            logger.debug("Rejected " + exchange.getRequest().getPath() + ": "
                    + rejection.errorCode().code() + " (" + rejection.description() + ")");
        }
        return this.errors.write(exchange, rejection);
    }

    @Override
    public int getOrder() {
        return AUTHENTICATION_FILTER_ORDER;
    }
}
