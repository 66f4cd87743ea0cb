package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.IdentityCheck;
import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.RequestChecksCompiler;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.DemoEdgeKey;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.edge.RedisReplayGuard;
import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.auth.oidc.IssuerJwtValidator;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.JwtExtensions;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.auth.oidc.UserInfoEnricher;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.auth.web.FormCredentialsWebFilter;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.live.ConfigurationCompiler;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.route.UpstreamFailureFilter;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.web.PatternCorsConfigurationSource;
import io.dualcore.gateway.web.ProblemResponses;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.convert.converter.Converter;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the verification chain from {@link AuthProperties}: OIDC issuers first, then the edge key ring; and the
 * credentials beside the token ({@link CredentialsProperties}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({CredentialsProperties.class, DpopProperties.class})
@Import(CryptoConfiguration.class)
public class AuthenticationConfiguration {

    private static final Log logger = LogFactory.getLog(AuthenticationConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "dispose")
    Scheduler jwksScheduler() {
        // JWKS fetches block; they run here, bounded, never on an event-loop thread
        return Schedulers.newBoundedElastic(16, 10_000, "jwks");
    }

    @Bean(destroyMethod = "close")
    @Conditional(RedisConfiguredCondition.class)
    RedisConnections redisConnections(RedisProperties properties) {
        RedisConnections connections = new RedisConnections(properties);
        connections.warmUp();
        return connections;
    }

    @Bean
    ReplayGuard replayGuard(ObjectProvider<RedisConnections> redis, RedisProperties redisProperties, Clock clock) {
        RedisConnections connections = redis.getIfAvailable();
        if (connections != null) {
            return new RedisReplayGuard(
                    connections.strings(),
                    clock,
                    redisProperties.timeout(),
                    redisProperties.circuitBreaker().create("redis-replay-guard"));
        }
        return new InMemoryReplayGuard(1_000_000, clock);
    }

    /**
     * The verifiers of every configuration, built from its issuers (an unchanged issuer's verifier reused), started
     * while a configuration in force holds them and closed after. Spring Security extension points apply to every
     * chain: {@code OAuth2TokenValidator<Jwt>} beans (every OIDC issuer), {@link IssuerJwtValidator} beans (one issuer)
     * and one {@code Converter<Jwt, Collection<GrantedAuthority>>} bean (roles). The edge verifier follows the OIDC
     * issuers in every chain.
     */
    @Bean(destroyMethod = "close")
    VerifierChains verifierChains(
            AuthProperties properties,
            Scheduler jwksScheduler,
            Clock clock,
            ObjectProvider<Tracer> tracer,
            ObjectProvider<OAuth2TokenValidator<Jwt>> validators,
            ObjectProvider<IssuerJwtValidator> issuerValidators,
            ObjectProvider<Converter<Jwt, Collection<GrantedAuthority>>> authorities,
            ObjectProvider<ReloadableEdgeKeyRing> edgeKeyRing,
            ReplayGuard replayGuard,
            SignatureProvider signatureProvider) {
        Tracer dualcoreTracer = tracer.getIfAvailable(
                () -> OpenTelemetry.noop().getTracer(TelemetryConfiguration.INSTRUMENTATION_SCOPE));
        List<OAuth2TokenValidator<Jwt>> global = validators.orderedStream().toList();
        List<IssuerJwtValidator> perIssuer = issuerValidators.orderedStream().toList();
        Converter<Jwt, Collection<GrantedAuthority>> authoritiesConverter = singleAuthoritiesConverter(authorities);
        Duration clockSkew = properties.clockSkew();
        Function<AuthProperties.Issuer, TokenVerifier> factory = issuer -> {
            List<OAuth2TokenValidator<Jwt>> issuerChecks = new ArrayList<>(global);
            perIssuer.stream()
                    .filter(registration -> registration.issuer().equals(issuer.name()))
                    .forEach(registration -> issuerChecks.add(registration.validator()));
            return new OidcTokenVerifier(
                    issuer,
                    JwksKeySource.of(issuer, clock, jwksScheduler, dualcoreTracer),
                    jwksScheduler,
                    clock,
                    clockSkew,
                    new JwtExtensions(
                            issuerChecks.isEmpty() ? null : new DelegatingOAuth2TokenValidator<>(issuerChecks),
                            authoritiesConverter),
                    issuer.userinfo().enabled() ? UserInfoEnricher.of(issuer, clock) : null,
                    signatureProvider);
        };
        // loads an issuer's keys as soon as its configuration is in force (without waiting) and keeps them fresh
        Function<TokenVerifier, Disposable> keepWarm = verifier -> {
            if (!(verifier instanceof OidcTokenVerifier oidc)) {
                return Disposables.disposed();
            }
            long period = JwksKeySource.keepWarmPeriod(oidc.settings().jwks()).toMillis();
            return jwksScheduler.schedulePeriodically(oidc.keys()::refreshIfDue, 0, period, TimeUnit.MILLISECONDS);
        };
        // stops a dropped issuer's refresh-ahead thread (it would keep the JVM alive)
        Consumer<TokenVerifier> closer = verifier -> {
            if (verifier instanceof OidcTokenVerifier oidc) {
                try {
                    oidc.keys().close();
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        };
        ReloadableEdgeKeyRing ring = edgeKeyRing.getIfAvailable();
        // the edge verifier of a configuration's edge settings: the same object while they do not change; its key
        // ring is the startup one (the key directory reloads on its own; inline keys take a restart)
        Map<AuthProperties.Edge, TokenVerifier> edgeVerifiers = new LinkedHashMap<>();
        Function<AuthProperties, List<TokenVerifier>> tail = auth -> {
            AuthProperties.Edge edge = auth.edge();
            if (!StringUtils.hasText(edge.issuer())) {
                return List.of();
            }
            if (ring == null) {
                throw new IllegalStateException("dualcore.auth.edge.issuer is set, but edge authentication was off"
                        + " when the process started (no key ring): turning it on takes a restart");
            }
            AuthProperties.Edge live = new AuthProperties.Edge(
                    edge.issuer(),
                    edge.audiences(),
                    edge.maxLifetime(),
                    edge.tokenType(),
                    edge.replayProtection(),
                    List.of(),
                    null,
                    Duration.ZERO);
            return List.of(edgeVerifiers.computeIfAbsent(
                    live, settings -> new EdgeTokenVerifier(edge, ring, replayGuard, clock, clockSkew)));
        };
        Set<String> required = new LinkedHashSet<>();
        perIssuer.forEach(registration -> required.add(registration.issuer()));
        return new VerifierChains(properties, factory, keepWarm, closer, tail, required);
    }

    /** The OIDC verifiers the process started with (the configuration in force may hold others since). */
    @Bean
    List<OidcTokenVerifier> oidcTokenVerifiers(VerifierChains verifierChains) {
        List<OidcTokenVerifier> verifiers = new ArrayList<>();
        for (TokenVerifier verifier : verifierChains.startup().verifiers()) {
            if (verifier instanceof OidcTokenVerifier oidc) {
                verifiers.add(oidc);
            }
        }
        return verifiers;
    }

    private static Converter<Jwt, Collection<GrantedAuthority>> singleAuthoritiesConverter(
            ObjectProvider<Converter<Jwt, Collection<GrantedAuthority>>> authorities) {
        List<Converter<Jwt, Collection<GrantedAuthority>>> converters =
                authorities.orderedStream().toList();
        if (converters.size() > 1) {
            throw new IllegalStateException("Found " + converters.size()
                    + " Converter<Jwt, Collection<GrantedAuthority>> beans; the gateway maps roles with one: keep one"
                    + " (compose several inside it)");
        }
        return converters.isEmpty() ? null : converters.get(0);
    }

    /**
     * The edge key ring: inline keys plus the key directory, watched and swapped without a restart. Absent when edge
     * authentication is off.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnExpression("'${dualcore.auth.edge.issuer:}' != ''")
    ReloadableEdgeKeyRing edgeKeyRing(AuthProperties properties, Clock clock, Environment environment) {
        AuthProperties.Edge edge = properties.edge();
        ReloadableEdgeKeyRing ring =
                new ReloadableEdgeKeyRing(edge.keys(), edge.keyDirectory(), edge.keyDirectoryRescan(), clock);
        DemoEdgeKey.warnOutsideDemo(ring.get(), environment.acceptsProfiles(Profiles.of(DemoEdgeKey.DEMO_PROFILE)));
        ring.start();
        return ring;
    }

    /**
     * The verification chain: a request verifies with the verifiers of the configuration it runs on; callers outside
     * a request (admin checks) with those in force.
     */
    @Bean
    TokenAuthenticator tokenAuthenticator(
            AuthProperties properties,
            VerifierChains verifierChains,
            ObjectProvider<IdentityCheck> identityChecks,
            Introspections introspections,
            Clock clock) {
        if (verifierChains.startup().verifiers().isEmpty()) {
            logger.warn("No OIDC issuer and no edge key ring configured: every authenticated route will answer 401");
        }
        VerifiedTokenCache cache = properties.cache().enabled()
                ? new VerifiedTokenCache(properties.cache().maximumSize(), clock)
                : null;
        // the checks every identity passes, cache hits too, in their order: revocation first
        return new TokenAuthenticator(
                verifierChains::current,
                cache,
                properties.maxTokenLength(),
                identityChecks.orderedStream().toList(),
                introspections.acceptsOpaqueTokens() ? introspections : null);
    }

    /**
     * Compiles each configuration's checks after verification (DPoP, introspection, the routes' checks), sharing what
     * outlives a configuration: the DPoP proof verifier and {@code jti} replay guard (the edge tokens' guard, Redis when
     * configured), and an unchanged issuer's introspection client.
     */
    @Bean
    RequestChecksCompiler requestChecksCompiler(
            DpopProperties dpopProperties, ReplayGuard replayGuard, Clock clock, SignatureProvider signatureProvider) {
        return new RequestChecksCompiler(
                new DpopProofVerifier(dpopProperties, clock, signatureProvider),
                replayGuard,
                dpopProperties.externalBaseUrl(),
                clock);
    }

    /**
     * The checks after verification of the startup settings, checked as every reload checks them (a context without
     * the live configuration runs on these).
     */
    @Bean
    RequestChecks requestChecks(
            RequestChecksCompiler requestChecksCompiler,
            AuthProperties properties,
            ObjectProvider<RouteProperties> routeProperties) {
        return requestChecksCompiler.compile(properties, ConfigurationCompiler.routeChecks(routes(routeProperties)));
    }

    /**
     * Token introspection (RFC 7662) of the startup issuers that name an introspection client: opaque tokens of the one
     * issuer that takes them, and the online check of JWTs on routes with {@code introspect: true} (or every route,
     * with {@code always}). A reload compiles its own ({@link RequestChecks}).
     */
    @Bean
    Introspections introspections(RequestChecks requestChecks, AuthProperties properties, Clock clock) {
        Introspections introspections = requestChecks.introspections();
        return (introspections != null)
                ? introspections
                : new Introspections(List.of(), properties.oidc().issuers(), clock, properties.clockSkew());
    }

    /**
     * The checks a route asks for beyond its issuer's (online introspection, a stricter DPoP mode): a step of the
     * decision engine, so every door runs them, on the checks of the configuration each request runs on.
     */
    @Bean
    RouteTokenChecks routeTokenChecks(RequestChecks requestChecks) {
        return new RouteTokenChecks(requestChecks);
    }

    /**
     * The startup DPoP step (RFC 9449), with the issuers whose {@code dpop} is not {@code off}; a reload compiles its
     * own ({@link RequestChecks}) on the same proof verifier and replay guard.
     */
    @Bean
    DpopBinding dpopBinding(RequestChecks requestChecks, RequestChecksCompiler requestChecksCompiler) {
        DpopBinding dpop = requestChecks.dpop();
        return (dpop != null) ? dpop : requestChecksCompiler.noDpop();
    }

    /** The route settings, or none (a context without routes, as in tests of authentication alone). */
    private static RouteProperties routes(ObjectProvider<RouteProperties> routeProperties) {
        return routeProperties.getIfAvailable(() -> new RouteProperties(Map.of()));
    }

    @Bean
    ProblemResponses authErrorResponses(
            ObjectProvider<GlobalCorsProperties> globalCors,
            DpopBinding dpopBinding,
            ObjectProvider<LiveConfiguration> liveConfiguration,
            ObjectProvider<JsonMapper> jsonMapper) {
        GlobalCorsProperties cors = globalCors.getIfAvailable(GlobalCorsProperties::new);
        boolean startupDpop = dpopBinding.enabled();
        // challenges offer the DPoP scheme when the exchange's configuration uses DPoP (a reload may turn it on or off)
        Predicate<ServerWebExchange> dpopOffered = exchange -> {
            LiveConfiguration live = liveConfiguration.getIfAvailable();
            RequestChecks checks = (live != null) ? live.checks(exchange) : null;
            return (checks != null) ? checks.dpop() != null : startupDpop;
        };
        return new ProblemResponses(
                "dualcore-gateway",
                5,
                new PatternCorsConfigurationSource(cors::getCorsConfigurations),
                dpopBinding.algs(),
                dpopOffered,
                jsonMapper.getIfAvailable(ProblemResponses::defaultJsonMapper));
    }

    @Bean
    UpstreamFailureFilter upstreamFailureFilter(ProblemResponses authErrorResponses) {
        return new UpstreamFailureFilter(authErrorResponses);
    }

    @Bean
    CredentialCarriers credentialCarriers(CredentialsProperties properties) {
        return CredentialCarriers.of(properties);
    }

    /**
     * The form body check, with the largest form body of the configuration each request runs on (a live reload changes
     * it; the startup value where the context has no live configuration).
     */
    @Bean
    FormCredentialsWebFilter formCredentialsWebFilter(
            CredentialsProperties properties,
            ProblemResponses authErrorResponses,
            ObjectProvider<AuthenticationObserver> observer,
            ObjectProvider<LiveConfiguration> liveConfiguration,
            ApplicationContext context) {
        int startup = IdentitySettings.maxFormSize(properties);
        ConfigurationPin pin = DecisionConfiguration.pin(liveConfiguration);
        return new FormCredentialsWebFilter(
                exchange -> {
                    IdentitySettings pinned = pin.identitySettings(exchange);
                    return (pinned != null) ? pinned.maxFormSize() : startup;
                },
                authErrorResponses,
                observer.getIfAvailable(() -> AuthenticationObserver.NONE),
                context);
    }
}
