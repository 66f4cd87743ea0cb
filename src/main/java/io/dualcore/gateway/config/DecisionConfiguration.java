package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.forwardauth.DecisionApiProperties;
import io.dualcore.gateway.forwardauth.ForwardAuthHandler;
import io.dualcore.gateway.forwardauth.ForwardAuthServer;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathWebFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The decision engine over the gateway's steps, and the forward-auth door over it (README "Decision API"). */
@Configuration(proxyBeanMethods = false)
public class DecisionConfiguration {

    @Bean
    DecisionEngine decisionEngine(
            PathCanonicalizer pathCanonicalizer,
            TokenAuthenticator tokenAuthenticator,
            RouteLocator routeLocator,
            CompiledRoutes compiledRoutes,
            RateLimiter rateLimiter,
            RateLimitProperties rateLimitProperties,
            IdentityHeaders identityHeaders,
            IdentityAssertionSigner identityAssertionSigner,
            ObjectProvider<RequestPathWebFilter.RefusalObserver> refusals,
            ObjectProvider<AuthenticationObserver> authentication,
            ObjectProvider<PipelineObserver> pipeline) {
        return new DecisionEngine(
                pathCanonicalizer,
                tokenAuthenticator,
                routeLocator,
                compiledRoutes,
                rateLimiter,
                RateLimitHeaders.of(rateLimitProperties.headers()),
                identityHeaders,
                identityAssertionSigner,
                new DecisionEngine.Observers(
                        refusals.getIfAvailable(() -> RequestPathWebFilter.RefusalObserver.NONE),
                        authentication.getIfAvailable(() -> AuthenticationObserver.NONE),
                        pipeline.getIfAvailable(() -> PipelineObserver.NONE)));
    }

    @Bean
    @ConditionalOnProperty(name = "dualcore.decision-api.enabled", havingValue = "true")
    ForwardAuthServer forwardAuthServer(
            DecisionEngine decisionEngine, ProblemResponses authErrorResponses, DecisionApiProperties properties) {
        return new ForwardAuthServer(
                new ForwardAuthHandler(decisionEngine, authErrorResponses, properties), properties);
    }
}
