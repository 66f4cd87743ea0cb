package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.Map;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The token checks that depend on the matched route, after routing and before the route's pipeline: a route stricter
 * than the token's issuer about DPoP ({@code dpop}), and the online check of a locally verified JWT with its issuer's
 * introspection endpoint (RFC 7662; the route's {@code introspect: true}, or the issuer's {@code always}). A request
 * that needs neither (no identity, a route without these settings, an issuer without {@code always}) costs a map
 * look-up. Refusals are reported like authentication's and never reach the route's policy or its upstream.
 */
public final class RouteTokenChecksFilter implements GlobalFilter, Ordered {

    /**
     * What one route asks for.
     *
     * @param introspect whether tokens are introspected on this route
     * @param dpop the route's DPoP mode
     */
    public record RouteChecks(boolean introspect, DpopMode dpop) {

        public RouteChecks {
            Assert.notNull(dpop, "dpop cannot be null");
        }
    }

    private final Map<String, RouteChecks> byRoute;

    /** The issuers' introspection, or {@code null} when no issuer introspects. */
    private final Introspections introspections;

    /** The DPoP step, or {@code null} when neither an issuer nor a route uses DPoP. */
    private final DpopBinding dpop;

    private final BearerTokenExtractor extractor;

    private final ProblemResponses errors;

    private final AuthenticationObserver observer;

    /**
     * @param byRoute the routes that set {@code introspect} or {@code dpop}, by route id
     * @param introspections the issuers' introspection, or {@code null}
     * @param dpop the DPoP step, or {@code null}
     */
    public RouteTokenChecksFilter(
            Map<String, RouteChecks> byRoute,
            Introspections introspections,
            DpopBinding dpop,
            ProblemResponses errors,
            AuthenticationObserver observer) {
        Assert.notNull(byRoute, "byRoute cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.byRoute = Map.copyOf(byRoute);
        this.introspections = introspections;
        this.dpop = (dpop != null && dpop.enabled()) ? dpop : null;
        this.extractor = new BearerTokenExtractor(this.dpop != null);
        this.errors = errors;
        this.observer = observer;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        if (identity == null) {
            return chain.filter(exchange);
        }
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        RouteChecks checks = (route != null) ? this.byRoute.get(route.getId()) : null;
        boolean introspect = (checks != null && checks.introspect())
                || (this.introspections != null && this.introspections.always(identity.issuer()));
        if (checks == null && !introspect) {
            return chain.filter(exchange);
        }
        try {
            if (checks != null && this.dpop != null) {
                TokenRejectedException refusal = this.dpop.routeRefusal(
                        checks.dpop(), identity, exchange.getAttribute(DpopBinding.ATTRIBUTE) != null);
                if (refusal != null) {
                    return reject(exchange, refusal);
                }
            }
            if (!introspect) {
                return chain.filter(exchange);
            }
            String token = this.extractor.extract(exchange.getRequest());
            if (token != null && !jwsShaped(token)) {
                // an opaque token has an identity only from an introspection answer at authentication
                return chain.filter(exchange);
            }
            if (this.introspections == null || token == null) {
                return reject(
                        exchange,
                        new TokenRejectedException(
                                ErrorCode.INTROSPECTION_UNAVAILABLE,
                                "This route requires token introspection, which is not configured"));
            }
            return this.introspections
                    .check(token, identity)
                    .then(Mono.just(Boolean.TRUE))
                    .onErrorResume(
                            TokenRejectedException.class,
                            ex -> reject(exchange, ex).then(Mono.just(Boolean.FALSE)))
                    .flatMap(passed -> passed ? chain.filter(exchange) : Mono.empty());
        } catch (TokenRejectedException ex) {
            return reject(exchange, ex);
        }
    }

    private static boolean jwsShaped(String token) {
        int first = token.indexOf('.');
        int second = (first < 0) ? -1 : token.indexOf('.', first + 1);
        return second > 0 && token.indexOf('.', second + 1) < 0;
    }

    private Mono<Void> reject(ServerWebExchange exchange, TokenRejectedException rejection) {
        this.observer.rejected(exchange, rejection.errorCode());
        return this.errors.write(exchange, rejection.errorCode(), rejection.description(), null);
    }

    @Override
    public int getOrder() {
        return FilterOrders.ROUTE_TOKEN_CHECKS;
    }
}
