package io.dualcore.gateway.auth;

import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.auth.introspection.Introspections;
import java.util.Map;
import org.springframework.util.Assert;

/**
 * The checks a verified identity passes after its token's verification, in every mode and at every door, as one
 * ordered list compiled with each configuration (issue 26):
 *
 * <ol>
 *   <li>the {@link IdentityCheck}s, revocation first: what can change after a token was issued, on verified-token
 *       cache hits too (run by {@link TokenAuthenticator}, so an admin check passes them as well);
 *   <li>proof of possession ({@link #dpop()}, RFC 9449): the token's issuer's {@code dpop} mode, the proof's key,
 *       {@code htm}, {@code htu} and a new {@code jti};
 *   <li>the matched route's checks ({@link #route(String)}): a route stricter than the issuer about DPoP, and online
 *       introspection (RFC 7662) of a locally verified JWT ({@code introspect: true}, or the issuer's
 *       {@code introspection.always}).
 * </ol>
 *
 * <p>Immutable: a reload compiles another one ({@link RequestChecksCompiler}) that shares what must outlive a
 * configuration (the DPoP {@code jti} replay memory, the proof verifier's nonces, the introspection client and
 * positive cache of an issuer whose introspection settings did not change). No check names a mode: one that applies
 * to some modes only asks the identity's {@code mode()}.
 */
public final class RequestChecks {

    /** No DPoP, no introspection, no route check. */
    public static final RequestChecks NONE = new RequestChecks(null, null, Map.of());

    /**
     * What one route asks for beyond its token's issuer.
     *
     * @param introspect whether tokens are introspected on this route
     * @param dpop the route's DPoP mode
     */
    public record RouteChecks(boolean introspect, DpopMode dpop) {

        public RouteChecks {
            Assert.notNull(dpop, "dpop cannot be null");
        }

        /** Whether the route asks for anything. */
        public boolean any() {
            return this.introspect || this.dpop != DpopMode.OFF;
        }
    }

    /** The DPoP step, or {@code null} when neither an issuer nor a route uses DPoP. */
    private final DpopBinding dpop;

    /** The issuers' introspection, or {@code null} when no issuer introspects. */
    private final Introspections introspections;

    private final Map<String, RouteChecks> byRoute;

    /**
     * @param dpop the DPoP step (ignored when it is not {@link DpopBinding#enabled()}), or {@code null}
     * @param introspections the issuers' introspection (ignored when none introspects), or {@code null}
     * @param byRoute the routes that ask for a check, by route id
     */
    public RequestChecks(DpopBinding dpop, Introspections introspections, Map<String, RouteChecks> byRoute) {
        Assert.notNull(byRoute, "byRoute cannot be null");
        this.dpop = (dpop != null && dpop.enabled()) ? dpop : null;
        this.introspections =
                (introspections != null && !introspections.introspectors().isEmpty()) ? introspections : null;
        this.byRoute = Map.copyOf(byRoute);
    }

    /** The DPoP step, or {@code null} when neither an issuer nor a route uses DPoP (the scheme is then refused). */
    public DpopBinding dpop() {
        return this.dpop;
    }

    /** The issuers' introspection, or {@code null} when no issuer introspects. */
    public Introspections introspections() {
        return this.introspections;
    }

    /** What verifies opaque tokens in this configuration, or {@code null} when no issuer takes them. */
    public OpaqueTokenVerifier opaqueTokens() {
        return (this.introspections != null && this.introspections.acceptsOpaqueTokens()) ? this.introspections : null;
    }

    /** What the route asks for, or {@code null} when nothing (a map look-up, no allocation). */
    public RouteChecks route(String routeId) {
        return (routeId != null) ? this.byRoute.get(routeId) : null;
    }

    /** The routes that ask for a check, by route id. */
    public Map<String, RouteChecks> routes() {
        return this.byRoute;
    }

    /**
     * The same checks with the DPoP replay check on another guard: explain's, which records nothing (a proof explained
     * is never taken for used).
     */
    public RequestChecks withReplayGuard(ReplayGuard guard) {
        return (this.dpop == null)
                ? this
                : new RequestChecks(this.dpop.withReplayGuard(guard), this.introspections, this.byRoute);
    }

    @Override
    public String toString() {
        return "RequestChecks[dpop=" + (this.dpop != null) + ", introspection="
                + ((this.introspections != null)
                        ? this.introspections.introspectors().keySet()
                        : "[]") + ", routes="
                + this.byRoute.keySet() + "]";
    }
}
