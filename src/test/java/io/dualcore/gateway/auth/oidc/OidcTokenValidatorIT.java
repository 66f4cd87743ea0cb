package io.dualcore.gateway.auth.oidc;

import static io.dualcore.gateway.auth.oidc.OidcAuthenticationIT.assertProblem;
import static io.dualcore.gateway.auth.oidc.OidcAuthenticationIT.identityHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;

/**
 * Spring Security extension points on real Keycloak tokens: a global {@code OAuth2TokenValidator<Jwt>} bean, an
 * {@link IssuerJwtValidator} for one realm, and an authorities converter feeding the identity's roles.
 */
@ExtendWith(KeycloakExtension.class)
class OidcTokenValidatorIT {

    /** The global validator refuses while this is set (a tenant suspended, say). */
    private static final AtomicBoolean SUSPENDED = new AtomicBoolean();

    private static EchoCore core;

    private static TestGateway gateway;

    private final KeycloakServer keycloak;

    OidcTokenValidatorIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak) {
        core = EchoCore.start("core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        List<String> realms = List.of("dualcore", "partners");
        for (int i = 0; i < realms.size(); i++) {
            String prefix = "dualcore.auth.oidc.issuers[" + i + "].";
            properties.put(prefix + "name", realms.get(i));
            properties.put(prefix + "issuer-uri", keycloak.issuerUri(realms.get(i)));
            properties.put(prefix + "audiences", "dualcore-gateway");
        }
        gateway = TestGateway.start(properties, TeamSecurityBeans.class);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        core.close();
    }

    @AfterEach
    void resume() {
        SUSPENDED.set(false);
    }

    @Test
    void issuerValidatorWhenClaimMatchesThenTokenAccepted() {
        String token = serviceToken();
        assertThat(gateway.get("/api/orders", token).getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void issuerValidatorWhenClaimDiffersThenInvalidTokenWithValidatorDescription() {
        String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        ResponseEntity<String> response = gateway.get("/api/orders", alice);
        assertProblem(response, 401, "token_rejected_by_validator");
        assertThat(response.getBody()).contains("The azp claim is not valid");
        assertThat(response.getHeaders().getFirst("WWW-Authenticate"))
                .contains("error=\"invalid_token\"")
                .contains("error_description=\"The azp claim is not valid\"");
    }

    @Test
    void issuerValidatorWhenOtherIssuerThenNotApplied() {
        String carol = this.keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password");
        assertThat(gateway.get("/api/profile", carol).getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void globalValidatorWhenFailingThenFreshTokenRefusedAndCachedTokenStillServed() {
        String cached = serviceToken();
        assertThat(gateway.get("/api/orders", cached).getStatusCode().value()).isEqualTo(200);
        SUSPENDED.set(true);
        ResponseEntity<String> refused = gateway.get("/api/orders", serviceToken());
        assertProblem(refused, 401, "token_rejected_by_validator");
        assertThat(refused.getBody()).contains("Tenant suspended");
        // validators run on verification, not on cache hits (which re-check only expiry and key liveness)
        assertThat(gateway.get("/api/orders", cached).getStatusCode().value()).isEqualTo(200);
        SUSPENDED.set(false);
        assertThat(gateway.get("/api/orders", serviceToken()).getStatusCode().value())
                .isEqualTo(200);
    }

    @Test
    void authoritiesConverterWhenPresentThenItsAuthoritiesAreTheRoles() {
        ResponseEntity<String> response = gateway.get("/api/orders", serviceToken());
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(identityHeaders(response).get("x-auth-roles").split(","))
                .contains("ROLE_user")
                .doesNotContain("user", "dualcore-gateway:orders.read");
    }

    private String serviceToken() {
        return this.keycloak.clientCredentialsToken("dualcore", "dualcore-service", "dualcore-service-demo-secret");
    }

    /** What a team would declare: a global check, one realm's check and its own role mapping. */
    @Configuration(proxyBeanMethods = false)
    static class TeamSecurityBeans {

        @Bean
        OAuth2TokenValidator<Jwt> tenantNotSuspended() {
            return jwt -> SUSPENDED.get()
                    ? OAuth2TokenValidatorResult.failure(
                            new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, "Tenant suspended", null))
                    : OAuth2TokenValidatorResult.success();
        }

        @Bean
        IssuerJwtValidator dualcoreServiceClientsOnly() {
            return new IssuerJwtValidator("dualcore", new JwtClaimValidator<String>("azp", "dualcore-service"::equals));
        }

        @Bean
        Converter<Jwt, Collection<GrantedAuthority>> realmRolesAsAuthorities() {
            return jwt -> {
                Map<String, Object> realmAccess = jwt.getClaimAsMap("realm_access");
                Object roles = realmAccess == null ? null : realmAccess.get("roles");
                return roles instanceof Collection<?> names
                        ? names.stream()
                                .map(name -> (GrantedAuthority) new SimpleGrantedAuthority("ROLE_" + name))
                                .toList()
                        : List.of();
            };
        }
    }
}
