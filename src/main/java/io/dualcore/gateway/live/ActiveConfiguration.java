package io.dualcore.gateway.live;

import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.route.RouteProperties;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.util.Assert;
import reactor.core.publisher.Flux;

/**
 * The configuration a request runs on, compiled and validated as one immutable object: Spring Cloud Gateway's routes
 * (with their predicates and filters), each route's compiled policy and rate-limit binding, the plans, and the
 * verifiers of the trusted issuers ({@link VerifierChain}: an unchanged issuer's verifier is reused), the identity and
 * credential settings ({@link IdentitySettings}), the back-channel logout clients and the checks after verification
 * ({@link RequestChecks}: DPoP, introspection, the routes' checks). A reload
 * builds a new one and swaps a single reference ({@link LiveConfiguration}); a request keeps the one it started with
 * (the exchange attribute {@link #ATTRIBUTE}).
 */
public final class ActiveConfiguration {

    /** The exchange attribute (and Reactor context key) holding the configuration a request runs on. */
    public static final String ATTRIBUTE = ActiveConfiguration.class.getName();

    private final String version;

    private final Instant loadedAt;

    private final List<Route> routes;

    private final Flux<Route> routeFlux;

    private final CompiledRoutes compiledRoutes;

    private final Map<String, RatePlan> plans;

    private final VerifierChain verifiers;

    private final Sources sources;

    /** {@code dualcore.identity} and {@code dualcore.credentials}, or {@code null} (the startup ones apply). */
    private final IdentitySettings identitySettings;

    /** {@code dualcore.revocation.backchannel-logout.clients}: by realm, the client ids a logout token may name. */
    private final Map<String, List<String>> logoutClients;

    /** The checks after verification, or {@code null} (the engine's startup ones apply). */
    private final RequestChecks checks;

    ActiveConfiguration(
            String version,
            Instant loadedAt,
            List<Route> routes,
            CompiledRoutes compiledRoutes,
            Map<String, RatePlan> plans,
            VerifierChain verifiers,
            Sources sources,
            IdentitySettings identitySettings,
            Map<String, List<String>> logoutClients,
            RequestChecks checks) {
        Assert.hasText(version, "version cannot be empty");
        Assert.notNull(compiledRoutes, "compiledRoutes cannot be null");
        this.version = version;
        this.loadedAt = loadedAt;
        this.routes = List.copyOf(routes);
        this.routeFlux = Flux.fromIterable(this.routes);
        this.compiledRoutes = compiledRoutes;
        this.plans = Map.copyOf(plans);
        this.verifiers = verifiers;
        this.sources = sources;
        this.identitySettings = identitySettings;
        this.logoutClients = Map.copyOf(logoutClients);
        this.checks = checks;
    }

    /** The content hash of the effective properties this configuration was compiled from (no secret can be read back). */
    public String version() {
        return this.version;
    }

    public Instant loadedAt() {
        return this.loadedAt;
    }

    /** Spring Cloud Gateway's routes, in matching order. */
    public List<Route> routes() {
        return this.routes;
    }

    /** The routes as one reusable publisher (nothing is allocated per request to list them). */
    Flux<Route> routeFlux() {
        return this.routeFlux;
    }

    public CompiledRoutes compiledRoutes() {
        return this.compiledRoutes;
    }

    public Map<String, RatePlan> plans() {
        return this.plans;
    }

    /**
     * The verifiers of this configuration's issuers, or {@code null} when this configuration does not manage them (the
     * authenticator's own then verify).
     */
    public VerifierChain verifiers() {
        return this.verifiers;
    }

    /**
     * The identity and credential settings ({@code dualcore.identity}, {@code dualcore.credentials}), or {@code null}
     * when this configuration does not manage them (the startup ones apply).
     */
    public IdentitySettings identitySettings() {
        return this.identitySettings;
    }

    /** By realm, the client ids a back-channel logout token's {@code aud} must name one of (unlisted: the issuer's). */
    public Map<String, List<String>> logoutClients() {
        return this.logoutClients;
    }

    /**
     * The checks after verification of this configuration (DPoP, introspection, the routes' checks), or {@code null}
     * when this configuration does not manage them (the engine's own then run).
     */
    public RequestChecks checks() {
        return this.checks;
    }

    Sources sources() {
        return this.sources;
    }

    /**
     * The settings this configuration was compiled from, kept to diff the next candidate against (and to keep the
     * plans that did not change). Never written out: they may hold secrets.
     *
     * @param routeDefinitions Spring Cloud Gateway's route definitions by id
     * @param routeSettings the gateway's per-route settings by id
     * @param planSettings the rate-limit plans' settings by name
     * @param issuers the OIDC issuers' settings by name, and the edge token settings (key ring aside) as {@code edge}
     * @param effective every effective property (canonical name to value)
     */
    record Sources(
            Map<String, RouteDefinition> routeDefinitions,
            Map<String, RouteProperties.RouteSettings> routeSettings,
            Map<String, RateLimitProperties.Plan> planSettings,
            Map<String, ?> issuers,
            Map<String, String> effective) {}
}
