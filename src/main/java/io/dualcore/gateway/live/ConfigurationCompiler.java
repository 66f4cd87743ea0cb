package io.dualcore.gateway.live;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.AuthSettingsCheck;
import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.RequestChecksCompiler;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.revocation.RevocationProperties;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.ratelimit.RatePlans;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.settings.SettingsBinding;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import reactor.core.publisher.Flux;

/**
 * Builds an {@link ActiveConfiguration} from an environment, with every check startup and {@code config check} do:
 * the settings bind, issuers' settings are sane, inline edge keys are valid, every CEL expression compiles and is
 * typed, every plan is valid and every plan a route names exists, every route's predicates and filters build. The
 * first problem refuses the whole candidate ({@link InvalidConfigurationException}); nothing is half built.
 */
public final class ConfigurationCompiler {

    private static final Duration ROUTE_BUILD_TIMEOUT = Duration.ofSeconds(10);

    private final List<RoutePredicateFactory> predicates;

    private final List<GatewayFilterFactory> filters;

    private final ConfigurationService configurationService;

    private final Clock clock;

    private final VerificationModes modes;

    /** Builds each configuration's verifiers, or {@code null} when the issuers are not live (slices, tests). */
    private final VerifierChains verifierChains;

    /** Compiles each configuration's checks after verification, or {@code null} when they are not live (slices). */
    private final RequestChecksCompiler requestChecks;

    public ConfigurationCompiler(
            List<RoutePredicateFactory> predicates,
            List<GatewayFilterFactory> filters,
            ConfigurationService configurationService,
            Clock clock,
            VerificationModes modes) {
        this(predicates, filters, configurationService, clock, modes, null);
    }

    /**
     * @param modes the registered verification modes that the routes' {@code access.modes} and {@code rate-limit}
     *     name
     * @param verifierChains builds each configuration's verifiers from its issuers (unchanged ones reused), or
     *     {@code null} to leave the issuers to the authenticator's startup chain
     */
    public ConfigurationCompiler(
            List<RoutePredicateFactory> predicates,
            List<GatewayFilterFactory> filters,
            ConfigurationService configurationService,
            Clock clock,
            VerificationModes modes,
            VerifierChains verifierChains) {
        this(predicates, filters, configurationService, clock, modes, verifierChains, null);
    }

    /**
     * @param modes the registered verification modes that the routes' {@code access.modes} and {@code rate-limit}
     *     name
     * @param verifierChains builds each configuration's verifiers from its issuers (unchanged ones reused), or
     *     {@code null} to leave the issuers to the authenticator's startup chain
     * @param requestChecks compiles each configuration's checks after verification (DPoP, introspection, the routes'
     *     checks; shared state kept), or {@code null} to leave them to the engine's startup ones
     */
    public ConfigurationCompiler(
            List<RoutePredicateFactory> predicates,
            List<GatewayFilterFactory> filters,
            ConfigurationService configurationService,
            Clock clock,
            VerificationModes modes,
            VerifierChains verifierChains,
            RequestChecksCompiler requestChecks) {
        this.requestChecks = requestChecks;
        Assert.notNull(predicates, "predicates cannot be null");
        Assert.notNull(modes, "modes cannot be null");
        this.modes = modes;
        Assert.notNull(filters, "filters cannot be null");
        Assert.notNull(configurationService, "configurationService cannot be null");
        Assert.notNull(clock, "clock cannot be null");
        this.predicates = List.copyOf(predicates);
        this.filters = List.copyOf(filters);
        this.configurationService = configurationService;
        this.clock = clock;
        this.verifierChains = verifierChains;
    }

    /**
     * The configuration is now in force: its new verifiers start (JWKS keep-warm), the ones it dropped stop. Called
     * once per applied configuration, after the swap.
     */
    public void applied(ActiveConfiguration active) {
        if (this.verifierChains != null && active.verifiers() != null) {
            this.verifierChains.retain(active.verifiers());
        }
        if (this.requestChecks != null && active.checks() != null) {
            this.requestChecks.retain(active.checks());
        }
    }

    /**
     * Compiles the environment's configuration.
     *
     * @param environment the candidate's environment
     * @param previous the configuration in force (its unchanged plans are kept as they are), or {@code null}
     * @throws InvalidConfigurationException naming the property and the problem
     */
    public ActiveConfiguration compile(ConfigurableEnvironment environment, ActiveConfiguration previous) {
        SortedMap<String, String> effective = EffectiveProperties.of(environment);
        return compile(environment, effective, EffectiveProperties.version(effective), previous);
    }

    ActiveConfiguration compile(
            ConfigurableEnvironment environment,
            SortedMap<String, String> effective,
            String version,
            ActiveConfiguration previous) {
        try {
            Binder binder = Binder.get(environment);
            GatewayProperties gateway =
                    bind(() -> binder.bind(GatewayProperties.PREFIX, Bindable.ofInstance(new GatewayProperties()))
                            .orElseGet(GatewayProperties::new));
            RouteProperties routeProperties = bind(() -> binder.bindOrCreate("dualcore", RouteProperties.class));
            RateLimitProperties rateLimit =
                    bind(() -> SettingsBinding.bind(binder, "dualcore.rate-limit", RateLimitProperties.class));
            CredentialsProperties credentials =
                    bind(() -> binder.bindOrCreate("dualcore.credentials", CredentialsProperties.class));
            AuthProperties auth = bind(() -> SettingsBinding.bind(binder, "dualcore.auth", AuthProperties.class));
            IdentityProperties identity =
                    bind(() -> SettingsBinding.bind(binder, "dualcore.identity", IdentityProperties.class));
            RevocationProperties revocation =
                    bind(() -> SettingsBinding.bind(binder, "dualcore.revocation", RevocationProperties.class));
            checkAuth(auth);
            Map<String, RouteDefinition> definitions = definitions(gateway);
            IdentitySettings identitySettings =
                    IdentitySettings.of(identity, credentials, (previous != null) ? previous.identitySettings() : null);
            CredentialCarriers carriers = identitySettings.credentials();
            RoutePolicies policies =
                    RoutePolicies.of(routeProperties, definitions.keySet(), carriers::isCredentialHeader, this.modes);
            Map<String, RatePlan> plans = (previous != null)
                    ? RatePlans.of(
                            rateLimit,
                            routeProperties,
                            previous.plans(),
                            previous.sources().planSettings())
                    : RatePlans.of(rateLimit, routeProperties);
            CompiledRoutes compiled = CompiledRoutes.of(policies, plans, carriers, this.modes);
            List<Route> routes = routes(gateway, definitions);
            Map<String, Object> issuers = new LinkedHashMap<>();
            auth.oidc().issuers().forEach(issuer -> issuers.put(issuer.name(), issuer));
            AuthProperties.Edge edge = auth.edge();
            if (StringUtils.hasText(edge.issuer())) {
                // the edge verifier's live settings, named "edge" among the issuers (its key ring reloads apart)
                issuers.putIfAbsent(
                        EdgeTokenVerifier.REALM,
                        List.of(
                                edge.issuer(),
                                edge.audiences(),
                                edge.maxLifetime(),
                                String.valueOf(edge.tokenType()),
                                edge.replayProtection()));
            }
            RequestChecks checks = (this.requestChecks != null)
                    ? this.requestChecks.compile(auth, routeChecks(routeProperties))
                    : null;
            // last: every other check passed (a verifier built for a refused candidate is only kept for the next one)
            VerifierChain verifiers = (this.verifierChains != null) ? this.verifierChains.chain(auth) : null;
            if (verifiers != null && checks != null) {
                // the opaque tokens' verifier is the configuration's issuers' introspection
                verifiers = verifiers.withOpaqueTokens(checks.opaqueTokens());
            }
            return new ActiveConfiguration(
                    version,
                    this.clock.instant(),
                    routes,
                    compiled,
                    plans,
                    verifiers,
                    new ActiveConfiguration.Sources(
                            definitions, routeProperties.routes(), rateLimit.plans(), issuers, Map.copyOf(effective)),
                    identitySettings,
                    logoutClients(revocation),
                    checks);
        } catch (IllegalStateException | IllegalArgumentException ex) {
            throw new InvalidConfigurationException(ex.getMessage());
        }
    }

    /** The routes' {@code introspect} and {@code dpop}, by route id (a route asking for neither is left out). */
    public static Map<String, RequestChecks.RouteChecks> routeChecks(RouteProperties routes) {
        Map<String, RequestChecks.RouteChecks> byRoute = new LinkedHashMap<>();
        routes.routes().forEach((id, settings) -> {
            RequestChecks.RouteChecks checks = new RequestChecks.RouteChecks(settings.introspect(), settings.dpop());
            if (checks.any()) {
                byRoute.put(id, checks);
            }
        });
        return byRoute;
    }

    private static Map<String, List<String>> logoutClients(RevocationProperties revocation) {
        Map<String, List<String>> clients = new LinkedHashMap<>();
        revocation.backchannelLogout().clients().forEach((realm, ids) -> clients.put(realm, List.copyOf(ids)));
        return clients;
    }

    private static void checkAuth(AuthProperties auth) {
        List<String> problems = AuthSettingsCheck.issuerProblems(auth);
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems.get(0));
        }
        AuthProperties.Edge edge = auth.edge();
        if (StringUtils.hasText(edge.issuer()) && !edge.keys().isEmpty()) {
            List<String> origins = new ArrayList<>();
            for (int i = 0; i < edge.keys().size(); i++) {
                origins.add("dualcore.auth.edge.keys[" + i + "]");
            }
            EdgeKeyRing.of(edge.keys(), origins);
        }
    }

    private static Map<String, RouteDefinition> definitions(GatewayProperties gateway) {
        Map<String, RouteDefinition> definitions = new LinkedHashMap<>();
        List<RouteDefinition> routes = gateway.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            RouteDefinition route = routes.get(i);
            String where = GatewayProperties.PREFIX + ".routes[" + i + "]";
            if (!StringUtils.hasText(route.getId())) {
                throw new InvalidConfigurationException(where + ".id is empty; give every route an id");
            }
            if (route.getUri() == null) {
                throw new InvalidConfigurationException(where + ".uri is missing (route '" + route.getId() + "')");
            }
            if (definitions.putIfAbsent(route.getId(), route) != null) {
                throw new InvalidConfigurationException(
                        where + ".id: '" + route.getId() + "' is the id of an earlier route; route ids are unique");
            }
        }
        return definitions;
    }

    /** Spring Cloud Gateway's own conversion of definitions into routes, sorted as its caching locator sorts them. */
    private List<Route> routes(GatewayProperties gateway, Map<String, RouteDefinition> definitions) {
        RouteDefinitionRouteLocator locator = new RouteDefinitionRouteLocator(
                () -> Flux.fromIterable(definitions.values()),
                this.predicates,
                this.filters,
                gateway,
                this.configurationService);
        List<Route> routes;
        try {
            routes = new ArrayList<>(locator.getRoutes().collectList().block(ROUTE_BUILD_TIMEOUT));
        } catch (RuntimeException ex) {
            throw new InvalidConfigurationException(GatewayProperties.PREFIX + ".routes: " + rootMessage(ex));
        }
        if (routes.size() != definitions.size()) {
            Set<String> missing = new LinkedHashSet<>(definitions.keySet());
            routes.forEach(route -> missing.remove(route.getId()));
            throw new InvalidConfigurationException(GatewayProperties.PREFIX + ".routes: the routes " + missing
                    + " do not build (an unknown predicate or filter, or a bad argument)");
        }
        AnnotationAwareOrderComparator.sort(routes);
        return routes;
    }

    private static <T> T bind(Supplier<T> binding) {
        try {
            return binding.get();
        } catch (BindException ex) {
            throw new InvalidConfigurationException(SettingsBinding.problem(ex));
        }
    }

    static String rootMessage(Throwable ex) {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return (cause.getMessage() != null)
                ? cause.getMessage()
                : cause.getClass().getSimpleName();
    }
}
