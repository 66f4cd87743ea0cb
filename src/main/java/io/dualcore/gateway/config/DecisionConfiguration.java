package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.forwardauth.DecisionApiProperties;
import io.dualcore.gateway.forwardauth.ForwardAuthHandler;
import io.dualcore.gateway.forwardauth.ForwardAuthServer;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.proxy.AuthenticationWebFilter;
import io.dualcore.gateway.proxy.RoutePipelineFilter;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.web.ConnectionLimits;
import io.dualcore.gateway.web.ConnectionLimitsCustomizer;
import io.dualcore.gateway.web.ConnectionProperties;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathWebFilter;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The decision engine over the gateway's steps, and the doors over it: the proxy door (the gateway port's filters)
 * and the forward-auth door (README "Decision API").
 */
@Configuration(proxyBeanMethods = false)
public class DecisionConfiguration {

    static final String DECISION_API_CONNECTION_LIMITS = "decisionApiConnectionLimits";

    @Bean
    DecisionEngine decisionEngine(
            PathCanonicalizer pathCanonicalizer,
            TokenAuthenticator tokenAuthenticator,
            RouteLocator routeLocator,
            CompiledRoutes compiledRoutes,
            RateLimiter rateLimiter,
            RateLimitHeaders rateLimitHeaders,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner identityAssertionSigner,
            ObjectProvider<RequestPathWebFilter.RefusalObserver> refusals,
            ObjectProvider<AuthenticationObserver> authentication,
            ObjectProvider<PipelineObserver> pipeline,
            ObjectProvider<DpopBinding> dpopBinding,
            ObjectProvider<RouteTokenChecks> routeTokenChecks,
            ObjectProvider<LiveConfiguration> liveConfiguration) {
        return new DecisionEngine(
                pathCanonicalizer,
                tokenAuthenticator,
                identityHeaders::isReserved,
                routeLocator,
                compiledRoutes,
                rateLimiter,
                rateLimitHeaders,
                identityHeaders,
                identityAssertionSigner,
                new DecisionEngine.Observers(
                        refusals.getIfAvailable(() -> RequestPathWebFilter.RefusalObserver.NONE),
                        authentication.getIfAvailable(() -> AuthenticationObserver.NONE),
                        pipeline.getIfAvailable(() -> PipelineObserver.NONE)),
                dpopBinding.getIfAvailable(),
                routeTokenChecks.getIfAvailable(() -> RouteTokenChecks.NONE),
                pin(liveConfiguration));
    }

    /** The live configuration pins each decision's configuration; a context without one (slices) pins nothing. */
    static ConfigurationPin pin(ObjectProvider<LiveConfiguration> liveConfiguration) {
        LiveConfiguration live = liveConfiguration.getIfAvailable();
        return (live != null) ? live : ConfigurationPin.NONE;
    }

    /** The proxy door before route matching: the engine's authentication step on the gateway port. */
    @Bean
    AuthenticationWebFilter authenticationWebFilter(
            DecisionEngine decisionEngine, ProblemResponses authErrorResponses, ApplicationContext context) {
        return new AuthenticationWebFilter(
                decisionEngine, authErrorResponses, context, Set.of(IdentityConfiguration.ASSERTION_JWKS_PATH));
    }

    /** The proxy door after route matching: the engine's route steps, then forwarding. */
    @Bean
    RoutePipelineFilter routePipelineFilter(DecisionEngine decisionEngine, ProblemResponses authErrorResponses) {
        return new RoutePipelineFilter(decisionEngine, authErrorResponses);
    }

    @Bean
    @ConditionalOnProperty(name = "dualcore.decision-api.enabled", havingValue = "true")
    ForwardAuthServer forwardAuthServer(
            DecisionEngine decisionEngine,
            ProblemResponses authErrorResponses,
            DecisionApiProperties properties,
            ConnectionProperties connectionProperties,
            @Qualifier(DECISION_API_CONNECTION_LIMITS) ConnectionLimits connectionLimits) {
        return new ForwardAuthServer(
                new ForwardAuthHandler(decisionEngine, authErrorResponses, properties),
                properties,
                new ConnectionLimitsCustomizer(connectionProperties, connectionLimits, authErrorResponses));
    }

    /**
     * The decision listener's connections: the gateway port's maximum, counted apart
     * ({@code dualcore_connections_open{server="decision-api"}}).
     */
    @Bean(DECISION_API_CONNECTION_LIMITS)
    @ConditionalOnProperty(name = "dualcore.decision-api.enabled", havingValue = "true")
    ConnectionLimits decisionApiConnectionLimits(ConnectionProperties properties) {
        return new ConnectionLimits("decision-api", properties.maxConnections());
    }
}
