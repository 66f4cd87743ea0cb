package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.crypto.CryptoProperties;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.telemetry.CryptoInfoContributor;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Chooses the JCA provider of RSA and EC JWS signature verification ({@code dualcore.crypto.provider}), reports it
 * once the gateway is ready and in {@code /actuator/info} (README "Signature verification provider").
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CryptoProperties.class)
public class CryptoConfiguration {

    @Bean
    SignatureProvider signatureProvider(CryptoProperties properties) {
        return SignatureProvider.choose(properties.provider());
    }

    @Bean
    ApplicationListener<ApplicationReadyEvent> signatureProviderReport(SignatureProvider signatureProvider) {
        return event -> signatureProvider.log();
    }

    @Bean
    CryptoInfoContributor cryptoInfoContributor(SignatureProvider signatureProvider) {
        return new CryptoInfoContributor(signatureProvider);
    }
}
