package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.auth.web.BearerTokenExtractor;
import io.dualcore.gateway.web.ErrorCode;
import java.util.Map;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The engine's token checks that depend on the matched route, after route matching and before the route's policy,
 * the same for every door: a route stricter than the token's issuer about DPoP ({@code dpop}), and the online check
 * of a locally verified JWT with its issuer's introspection endpoint (RFC 7662; the route's {@code introspect: true},
 * or the issuer's {@code introspection.always}). A request that needs neither (anonymous, a route without these
 * settings, an issuer without {@code always}) costs a map look-up and allocates nothing.
 *
 * <p>The DPoP proof itself (its {@code htm} and {@code htu} against the described request, its key, its {@code jti})
 * was checked at authentication; here only whether the route needed one.
 */
public final class RouteTokenChecks {

    /** No route asks for a check and no issuer introspects always. */
    public static final RouteTokenChecks NONE = new RouteTokenChecks(Map.of(), null, null);

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

    /** The name of the step in a decision's record. */
    static final String STEP = "token checks";

    private final Map<String, RouteChecks> byRoute;

    /** The issuers' introspection, or {@code null} when no issuer introspects. */
    private final Introspections introspections;

    /** The DPoP step, or {@code null} when neither an issuer nor a route uses DPoP. */
    private final DpopBinding dpop;

    private final BearerTokenExtractor extractor;

    /**
     * @param byRoute the routes that set {@code introspect} or {@code dpop}, by route id
     * @param introspections the issuers' introspection, or {@code null} when none introspects
     * @param dpop the DPoP step, or {@code null}
     */
    public RouteTokenChecks(Map<String, RouteChecks> byRoute, Introspections introspections, DpopBinding dpop) {
        Assert.notNull(byRoute, "byRoute cannot be null");
        this.byRoute = Map.copyOf(byRoute);
        this.introspections =
                (introspections != null && !introspections.introspectors().isEmpty()) ? introspections : null;
        this.dpop = (dpop != null && dpop.enabled()) ? dpop : null;
        this.extractor = new BearerTokenExtractor(this.dpop != null);
    }

    /**
     * The route's checks for the exchange's identity, each recorded as a step for the doors that record them.
     *
     * @param routeId the matched route, or {@code null}
     * @return {@code null} when the request passes without I/O (the usual case), else the introspection to await
     *     (empty on success, an error carrying a {@link TokenRejectedException} on refusal)
     * @throws TokenRejectedException when the request is refused without I/O
     */
    <C> Mono<Void> check(
            ServerWebExchange exchange, String routeId, GatewayIdentity identity, C context, Outcome<C, ?> outcome) {
        if (identity == null) {
            // anonymous: the route's access policy judges it
            outcome.step(context, STEP, null, "none (anonymous)");
            return null;
        }
        RouteChecks checks = (routeId != null) ? this.byRoute.get(routeId) : null;
        boolean introspect = (checks != null && checks.introspect())
                || (this.introspections != null && this.introspections.always(identity.issuer()));
        if (checks != null && checks.dpop() != DpopMode.OFF && this.dpop != null) {
            TokenRejectedException refusal = this.dpop.routeRefusal(
                    checks.dpop(), identity, exchange.getAttribute(DpopBinding.ATTRIBUTE) != null);
            if (refusal != null) {
                throw refusal;
            }
            outcome.step(
                    context, STEP, (checks.dpop() == DpopMode.REQUIRED) ? "dpop required" : "dpop allowed", "passed");
        }
        if (!introspect) {
            if (checks == null) {
                outcome.step(context, STEP, null, "none");
            }
            return null;
        }
        String token = this.extractor.extract(exchange.getRequest());
        if (token != null && !jwsShaped(token)) {
            // an opaque token has an identity only from an introspection answer at authentication
            return null;
        }
        if (this.introspections == null || token == null) {
            throw new TokenRejectedException(
                    ErrorCode.INTROSPECTION_UNAVAILABLE,
                    "This route requires token introspection, which is not configured");
        }
        outcome.step(context, STEP, "introspection", "asked");
        return this.introspections.check(token, identity);
    }

    private static boolean jwsShaped(String token) {
        int first = token.indexOf('.');
        int second = (first < 0) ? -1 : token.indexOf('.', first + 1);
        return second > 0 && token.indexOf('.', second + 1) < 0;
    }
}
