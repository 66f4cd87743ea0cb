package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * The verification modes, registered in one place: each mode is a {@link VerificationMode} bean, and the
 * {@link VerificationModes} registry built from them is what configuration names resolve against.
 */
@Configuration(proxyBeanMethods = false)
class VerificationModesConfiguration {

    @Bean
    @Order(1)
    OidcVerificationMode oidcVerificationMode() {
        return new OidcVerificationMode();
    }

    @Bean
    @Order(2)
    EdgeVerificationMode edgeVerificationMode() {
        return new EdgeVerificationMode();
    }

    @Bean
    VerificationModes verificationModes(ObjectProvider<VerificationMode> modes) {
        return VerificationModes.of(modes.orderedStream().toList());
    }
}
