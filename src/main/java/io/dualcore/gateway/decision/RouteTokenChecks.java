package io.dualcore.gateway.decision;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.RequestChecks;
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
 * <p>The last of the checks after verification ({@link RequestChecks}, of the configuration the request runs on):
 * revocation and the DPoP proof itself run at authentication, before route matching.
 *
 * <p>The DPoP proof itself (its {@code htm} and {@code htu} against the described request, its key, its {@code jti})
 * was checked at authentication; here only whether the route needed one.
 */
public final class RouteTokenChecks {

    /** No route asks for a check and no issuer introspects always. */
    public static final RouteTokenChecks NONE = new RouteTokenChecks(RequestChecks.NONE);

    /** The name of the step in a decision's record. */
    static final String STEP = "token checks";

    /** The checks of a configuration that does not manage its own. */
    private final RequestChecks checks;

    private final BearerTokenExtractor dpopExtractor = new BearerTokenExtractor(true);

    private final BearerTokenExtractor bearerExtractor = new BearerTokenExtractor(false);

    /**
     * @param byRoute the routes that set {@code introspect} or {@code dpop}, by route id
     * @param introspections the issuers' introspection, or {@code null} when none introspects
     * @param dpop the DPoP step, or {@code null}
     */
    public RouteTokenChecks(
            Map<String, RequestChecks.RouteChecks> byRoute, Introspections introspections, DpopBinding dpop) {
        this(new RequestChecks(dpop, introspections, byRoute));
    }

    /** @param checks the checks of a configuration that does not manage its own (the startup ones) */
    public RouteTokenChecks(RequestChecks checks) {
        Assert.notNull(checks, "checks cannot be null");
        this.checks = checks;
    }

    /**
     * The route's checks for the exchange's identity, each recorded as a step for the doors that record them.
     *
     * @param routeId the matched route, or {@code null}
     * @param pinned the checks of the exchange's configuration, or {@code null} for this step's own
     * @return {@code null} when the request passes without I/O (the usual case), else the introspection to await
     *     (empty on success, an error carrying a {@link TokenRejectedException} on refusal)
     * @throws TokenRejectedException when the request is refused without I/O
     */
    <C> Mono<Void> check(
            ServerWebExchange exchange,
            String routeId,
            GatewayIdentity identity,
            RequestChecks pinned,
            C context,
            Outcome<C, ?> outcome) {
        if (identity == null) {
            // anonymous: the route's access policy judges it
            outcome.step(context, STEP, null, "none (anonymous)");
            return null;
        }
        RequestChecks configuration = (pinned != null) ? pinned : this.checks;
        RequestChecks.RouteChecks checks = configuration.route(routeId);
        Introspections introspections = configuration.introspections();
        DpopBinding dpop = configuration.dpop();
        boolean introspect = (checks != null && checks.introspect())
                || (introspections != null && introspections.always(identity.issuer()));
        if (checks != null && checks.dpop() != DpopMode.OFF && dpop != null) {
            TokenRejectedException refusal =
                    dpop.routeRefusal(checks.dpop(), identity, exchange.getAttribute(DpopBinding.ATTRIBUTE) != null);
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
        String token = ((dpop != null) ? this.dpopExtractor : this.bearerExtractor).extract(exchange.getRequest());
        if (token != null && !jwsShaped(token)) {
            // an opaque token has an identity only from an introspection answer at authentication
            return null;
        }
        if (introspections == null || token == null) {
            throw new TokenRejectedException(
                    ErrorCode.INTROSPECTION_UNAVAILABLE,
                    "This route requires token introspection, which is not configured");
        }
        outcome.step(context, STEP, "introspection", "asked");
        return introspections.check(token, identity);
    }

    private static boolean jwsShaped(String token) {
        int first = token.indexOf('.');
        int second = (first < 0) ? -1 : token.indexOf('.', first + 1);
        return second > 0 && token.indexOf('.', second + 1) < 0;
    }
}
