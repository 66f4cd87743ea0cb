package dualcore.bench.apps.security.stock;

import dualcore.bench.apps.BenchRoutes;
import dualcore.bench.apps.security.ResourceServerSettings;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * Spring Cloud Gateway behind Spring Security's resource server as the reference documentation and Spring Boot's
 * auto-configuration set it up: the default reactive chain of {@code @EnableWebFluxSecurity} (CSRF, request cache,
 * session-backed security context, security headers, logout) with
 * {@code oauth2ResourceServer(jwt)}, and the decoder Boot builds for an {@code issuer-uri}
 * ({@link NimbusReactiveJwtDecoder#withIssuerLocation}). Every request's token is verified: Spring Security keeps no
 * verified-token cache.
 */
@SpringBootApplication
@EnableWebFluxSecurity
public class StockResourceServerApplication {

    public static void main(String[] args) {
        BenchRoutes.application(StockResourceServerApplication.class).run(args);
    }

    @Bean
    SecurityWebFilterChain springSecurityFilterChain(ServerHttpSecurity http) {
        http.authorizeExchange(exchanges -> exchanges.anyExchange().authenticated());
        http.oauth2ResourceServer(server -> server.jwt(Customizer.withDefaults()));
        return http.build();
    }

    @Bean
    ReactiveJwtDecoder jwtDecoder(
            @Value(ResourceServerSettings.ISSUER_PROPERTY) String issuer,
            @Value(ResourceServerSettings.AUDIENCE_PROPERTY) String audience) {
        NimbusReactiveJwtDecoder decoder =
                NimbusReactiveJwtDecoder.withIssuerLocation(issuer).build();
        decoder.setJwtValidator(ResourceServerSettings.validator(issuer, audience));
        return decoder;
    }
}
