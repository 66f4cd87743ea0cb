package io.dualcore.gateway.config;

import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.extauthz.ExtAuthzGrpcProperties;
import io.dualcore.gateway.extauthz.ExtAuthzServer;
import io.dualcore.gateway.extauthz.ExtAuthzService;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Envoy {@code ext_authz} gRPC door over the decision engine (README "Envoy gRPC"), off unless enabled. */
@Configuration(proxyBeanMethods = false)
public class ExtAuthzConfiguration {

    @Bean
    @ConditionalOnProperty(name = "dualcore.ext-authz.grpc.enabled", havingValue = "true")
    ExtAuthzServer extAuthzServer(
            DecisionEngine decisionEngine, ProblemResponses authErrorResponses, ExtAuthzGrpcProperties properties) {
        return new ExtAuthzServer(new ExtAuthzService(decisionEngine, authErrorResponses, properties), properties);
    }
}
