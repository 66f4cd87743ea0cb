package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.route.ClaimRoutePredicateFactory;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import io.dualcore.gateway.route.RealmRoutePredicateFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Identity-aware route predicates ({@code Mode=}, {@code Realm=}, {@code Claim=}) for Spring Cloud Gateway route
 * definitions; they read the identity the authentication web filter verified before route matching.
 */
@Configuration(proxyBeanMethods = false)
@Import(VerificationModesConfiguration.class)
public class RoutingConfiguration {

    @Bean
    ModeRoutePredicateFactory modeRoutePredicateFactory(VerificationModes verificationModes) {
        return new ModeRoutePredicateFactory(verificationModes);
    }

    @Bean
    RealmRoutePredicateFactory realmRoutePredicateFactory() {
        return new RealmRoutePredicateFactory();
    }

    @Bean
    ClaimRoutePredicateFactory claimRoutePredicateFactory() {
        return new ClaimRoutePredicateFactory();
    }
}
