package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A realm onboarded and dropped live against a real Keycloak: the {@code partners} realm, absent from the gateway's
 * configuration file at startup, is added to it (its token goes from 401 to 200 within 2 s, its keys fetched once),
 * then removed (its cached token is refused at once); the {@code dualcore} realm, unchanged throughout, keeps its
 * verifier and JWKS (no extra fetch) and its cached token.
 */
@ExtendWith(KeycloakExtension.class)
class LiveRealmsIT {

    private static final Duration APPLIED = Duration.ofSeconds(2);

    private final KeycloakServer keycloak;

    @TempDir
    Path directory;

    LiveRealmsIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @Test
    void reloadWhenRealmAddedThenItsTokenAcceptedAndWhenRemovedThenItsCachedTokenRefusedAtOnce() throws IOException {
        Path file = this.directory.resolve("live.yml");
        Files.writeString(file, configuration(false));
        String dualcoreIssuer = this.keycloak.issuerUri("dualcore");
        String partnersIssuer = this.keycloak.issuerUri("partners");
        try (EchoCore core = EchoCore.start("microservice-core", "127.0.0.1", 0);
                TestGateway gateway = TestGateway.start(Map.of(
                        "spring.config.location",
                        "file:" + file,
                        "CORE_URI",
                        core.uri(),
                        "dualcore.reload.debounce",
                        "50ms"))) {
            String dualcore = this.keycloak.clientCredentialsToken(
                    "dualcore", "dualcore-service", "dualcore-service-demo-secret");
            String partners = this.keycloak.clientCredentialsToken(
                    "partners", "partners-service", "partners-service-demo-secret");
            assertThat(status(gateway, dualcore)).isEqualTo(200);
            assertThat(status(gateway, partners))
                    .as("partners is not configured yet")
                    .isEqualTo(401);
            VerifierChains chains = gateway.bean(VerifierChains.class);
            TokenVerifier dualcoreVerifier = chains.current().forIssuer(dualcoreIssuer);
            long dualcoreFetches = ((OidcTokenVerifier) dualcoreVerifier).keys().fetchCount();

            Files.writeString(file, configuration(true));
            await().atMost(APPLIED).pollInterval(Duration.ofMillis(50)).until(() -> status(gateway, partners) == 200);
            OidcTokenVerifier partnersVerifier =
                    (OidcTokenVerifier) chains.current().forIssuer(partnersIssuer);
            assertThat(partnersVerifier.keys().fetchCount())
                    .as("the realm added live verified within one JWKS fetch")
                    .isEqualTo(1);
            assertThat(chains.current().forIssuer(dualcoreIssuer)).isSameAs(dualcoreVerifier);
            assertThat(status(gateway, dualcore)).isEqualTo(200);
            assertThat(health(gateway)).contains("issuers +[partners]");

            String before = gateway.bean(LiveConfiguration.class).current().version();
            Files.writeString(file, configuration(false));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !before.equals(
                            gateway.bean(LiveConfiguration.class).current().version()));
            assertThat(status(gateway, partners))
                    .as("the removed realm's cached token, the first request after the swap")
                    .isEqualTo(401);
            assertThat(status(gateway, dualcore)).isEqualTo(200);
            assertThat(health(gateway)).contains("issuers -[partners]");
            assertThat(chains.current().forIssuer(dualcoreIssuer)).isSameAs(dualcoreVerifier);
            assertThat(((OidcTokenVerifier) dualcoreVerifier).keys().fetchCount())
                    .as("the unchanged realm's keys were not fetched again")
                    .isEqualTo(dualcoreFetches);
        }
    }

    private static int status(TestGateway gateway, String token) {
        return gateway.get("/api/orders/1", token).getStatusCode().value();
    }

    private static String health(TestGateway gateway) {
        return gateway.management("/actuator/health/configuration").getBody();
    }

    private String configuration(boolean partners) {
        String partnersIssuer = partners ? """
                        - name: partners
                          issuer-uri: %s
                          audiences: [dualcore-gateway]
                """.formatted(this.keycloak.issuerUri("partners")) : "";
        return """
                management:
                  endpoints.web.exposure.include: health,prometheus
                  endpoint.health.show-details: always
                dualcore:
                  auth:
                    oidc:
                      issuers:
                        - name: dualcore
                          issuer-uri: %s
                          audiences: [dualcore-gateway]
                %s
                  routes:
                    orders: {access: {modes: [oidc]}}
                spring.cloud.gateway.server.webflux.routes:
                  - id: orders
                    uri: ${CORE_URI}
                    predicates: [Path=/api/orders/**]
                """.formatted(this.keycloak.issuerUri("dualcore"), partnersIssuer);
    }
}
