package dualcore.bench.apps.security.tuned;

import dualcore.bench.apps.BenchRoutes;
import dualcore.bench.apps.security.ResourceServerSettings;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;

/**
 * Spring Cloud Gateway behind a Spring Security resource server tuned for a stateless API gateway: no session-backed
 * security context, no request cache, no CSRF, logout, form or basic login; a {@link NimbusReactiveJwtDecoder} on the
 * JWKS URI, which caches the key set after the first fetch. Tokens are still verified on every request (Spring
 * Security has no verified-token cache): this is the best a stock building-block setup does.
 */
@SpringBootApplication
@EnableWebFluxSecurity
public class TunedResourceServerApplication {

    public static void main(String[] args) {
        BenchRoutes.application(TunedResourceServerApplication.class).run(args);
    }

    @Bean
    SecurityWebFilterChain springSecurityFilterChain(ServerHttpSecurity http, ReactiveJwtDecoder decoder) {
        return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
                .oauth2ResourceServer(server -> server.jwt(jwt -> jwt.jwtDecoder(decoder)))
                .build();
    }

    @Bean
    ReactiveJwtDecoder jwtDecoder(
            @Value(ResourceServerSettings.ISSUER_PROPERTY) String issuer,
            @Value("${bench.jwks-uri}") String jwksUri,
            @Value(ResourceServerSettings.AUDIENCE_PROPERTY) String audience) {
        NimbusReactiveJwtDecoder decoder =
                NimbusReactiveJwtDecoder.withJwkSetUri(jwksUri).build();
        decoder.setJwtValidator(ResourceServerSettings.validator(issuer, audience));
        return decoder;
    }
}
