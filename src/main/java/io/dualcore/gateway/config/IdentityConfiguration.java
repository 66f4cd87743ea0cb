package io.dualcore.gateway.config;

import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaderHygieneFilter;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityInjectionFilter;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.policy.AccessPolicyFilter;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/** Header hygiene, route policies, identity injection and the identity-assertion key set. */
@Configuration(proxyBeanMethods = false)
public class IdentityConfiguration {

    /** Where upstreams fetch the public keys of identity assertions. */
    public static final String ASSERTION_JWKS_PATH = "/.well-known/jwks.json";

    @Bean
    IdentityHeaders identityHeaders(IdentityProperties properties) {
        return new IdentityHeaders(properties.headerPrefix());
    }

    @Bean
    IdentityHeaderHygieneFilter identityHeaderHygieneFilter(IdentityHeaders identityHeaders) {
        return new IdentityHeaderHygieneFilter(identityHeaders);
    }

    @Bean
    RoutePolicies routePolicies(RouteProperties properties, GatewayProperties gateway) {
        return RoutePolicies.of(
                properties,
                gateway.getRoutes().stream().map(RouteDefinition::getId).toList());
    }

    @Bean
    AccessPolicyFilter accessPolicyFilter(
            RoutePolicies routePolicies,
            ProblemResponses authErrorResponses,
            ObjectProvider<GatewayTelemetry> telemetry) {
        return new AccessPolicyFilter(
                routePolicies, authErrorResponses, telemetry.getIfAvailable(GatewayTelemetry::disabled));
    }

    @Bean
    IdentityAssertionSigner identityAssertionSigner(IdentityProperties properties, Clock clock) {
        return new IdentityAssertionSigner(properties.assertion(), clock);
    }

    @Bean(destroyMethod = "dispose")
    Disposable identityAssertionKeyRotation(IdentityAssertionSigner signer, IdentityProperties properties) {
        long period = properties.assertion().keyRotation().toMillis();
        return Schedulers.single().schedulePeriodically(signer::rotate, period, period, TimeUnit.MILLISECONDS);
    }

    @Bean
    IdentityInjectionFilter identityInjectionFilter(
            IdentityHeaders identityHeaders, RoutePolicies routePolicies, IdentityAssertionSigner signer) {
        return new IdentityInjectionFilter(identityHeaders, routePolicies, signer);
    }

    @Bean
    RouterFunction<ServerResponse> identityAssertionJwks(IdentityAssertionSigner signer) {
        return RouterFunctions.route(
                RequestPredicates.GET(ASSERTION_JWKS_PATH),
                request -> ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .header("Cache-Control", "max-age=60")
                        .bodyValue(signer.publicJwks()));
    }
}
