package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.route.NoRouteHandlerMapping;
import io.dualcore.gateway.web.FilterOrders;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.server.ServerWebExchange;

/** The routes compiled for the engine's route steps, the identity hand-over and the unrouted-path answer. */
@Configuration(proxyBeanMethods = false)
@Import(VerificationModesConfiguration.class)
public class PipelineConfiguration {

    /** The default {@code dualcore.credentials}, where the context defines no carriers (slices of the wiring). */
    private static final Supplier<CredentialCarriers> DEFAULT_CREDENTIALS =
            () -> CredentialCarriers.of(CredentialsProperties.defaults());

    /**
     * The compiled routes of the configuration each request runs on (the one pinned to it, see
     * {@code live.ActiveConfigurationWebFilter}; else the one in force); compiled once from the startup settings where
     * the context has no live configuration (slices of the wiring).
     */
    @Bean
    CompiledRoutes compiledRoutes(
            ObjectProvider<LiveConfiguration> live,
            RoutePolicies routePolicies,
            Map<String, RatePlan> ratePlans,
            ObjectProvider<CredentialCarriers> credentialCarriers,
            VerificationModes verificationModes) {
        LiveConfiguration configuration = live.getIfAvailable();
        if (configuration != null) {
            return CompiledRoutes.live((ServerWebExchange exchange) ->
                    ((exchange != null) ? configuration.of(exchange) : configuration.current()).compiledRoutes());
        }
        return CompiledRoutes.of(
                routePolicies, ratePlans, credentialCarriers.getIfAvailable(DEFAULT_CREDENTIALS), verificationModes);
    }

    /** The hand-over, with the identity settings of the configuration each request runs on. */
    @Bean
    IdentityHandOver identityHandOver(
            IdentityHeaders identityHeaders,
            ObjectProvider<CredentialCarriers> credentialCarriers,
            ObjectProvider<LiveConfiguration> live) {
        return new IdentityHandOver(
                identityHeaders,
                credentialCarriers.getIfAvailable(DEFAULT_CREDENTIALS),
                DecisionConfiguration.pin(live),
                FilterOrders.IDENTITY_HAND_OVER);
    }

    @Bean
    NoRouteHandlerMapping noRouteHandlerMapping(ProblemResponses authErrorResponses) {
        return new NoRouteHandlerMapping(authErrorResponses);
    }
}
