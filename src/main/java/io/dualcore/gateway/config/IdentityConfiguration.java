package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.route.RouteProperties;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/** Identity header names, route policies, the identity-assertion signer and its published key set. */
@Configuration(proxyBeanMethods = false)
@Import(VerificationModesConfiguration.class)
public class IdentityConfiguration {

    /** Where upstreams fetch the public keys of identity assertions. */
    public static final String ASSERTION_JWKS_PATH = "/.well-known/jwks.json";

    @Bean
    IdentityHeaders identityHeaders(IdentityProperties properties) {
        return new IdentityHeaders(properties.headerPrefix());
    }

    @Bean
    RoutePolicies routePolicies(
            RouteProperties properties,
            GatewayProperties gateway,
            CredentialCarriers credentialCarriers,
            VerificationModes verificationModes) {
        return RoutePolicies.of(
                properties,
                gateway.getRoutes().stream().map(RouteDefinition::getId).toList(),
                credentialCarriers::isCredentialHeader,
                verificationModes);
    }

    @Bean
    IdentityAssertionSigner identityAssertionSigner(
            IdentityProperties properties, Clock clock, ObjectProvider<SignatureProvider> signatureProvider) {
        // the provider chosen for JWS signatures (dualcore.crypto.provider) signs the assertions too
        SignatureProvider chosen = signatureProvider.getIfAvailable();
        return new IdentityAssertionSigner(properties.assertion(), clock, (chosen != null) ? chosen.provider() : null);
    }

    @Bean(destroyMethod = "dispose")
    Disposable identityAssertionKeyRotation(IdentityAssertionSigner signer, IdentityProperties properties) {
        long period = properties.assertion().keyRotation().toMillis();
        return Schedulers.single().schedulePeriodically(signer::rotate, period, period, TimeUnit.MILLISECONDS);
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
