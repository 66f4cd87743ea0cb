package io.dualcore.gateway.auth.oidc;

import static io.dualcore.gateway.auth.oidc.OidcAuthenticationIT.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.ControllableProxy;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.ResponseEntity;

/**
 * The JWKS path under stress, with a controllable proxy between the gateway and the shared Keycloak: an IdP that
 * goes away, a gateway started before its IdP, and a flood of unknown key ids, with the JWKS requests counted.
 */
@ExtendWith(KeycloakExtension.class)
class JwksResilienceIT {

    private static final byte[] DEMO_KEY = TestTokens.demoEdgeKey();

    private static EchoCore core;

    private final KeycloakServer keycloak;

    JwksResilienceIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void startCore() {
        core = EchoCore.start("core", "127.0.0.1", 0);
    }

    @AfterAll
    static void stopCore() {
        core.close();
    }

    private Map<String, String> gatewayProperties(String jwksUri, String metadataUri, Map<String, String> jwks) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        String prefix = "dualcore.auth.oidc.issuers[0].";
        properties.put(prefix + "name", "dualcore");
        properties.put(prefix + "issuer-uri", this.keycloak.issuerUri("dualcore"));
        properties.put(prefix + "audiences", "dualcore-gateway");
        if (jwksUri != null) {
            properties.put(prefix + "jwks-uri", jwksUri);
        }
        if (metadataUri != null) {
            properties.put(prefix + "metadata-uri", metadataUri);
        }
        jwks.forEach((key, value) -> properties.put(prefix + "jwks." + key, value));
        return properties;
    }

    private String serviceToken() {
        return this.keycloak.clientCredentialsToken("dualcore", "dualcore-service", "dualcore-service-demo-secret");
    }

    @Test
    void unknownKidFloodWhenRateLimitedThenJwksFetchesBounded() {
        try (ControllableProxy proxy =
                        ControllableProxy.start(this.keycloak.baseUrl().toString());
                TestGateway gateway = TestGateway.start(gatewayProperties(
                        proxy.url() + "/realms/dualcore/protocol/openid-connect/certs",
                        null,
                        Map.of("min-refresh-interval", "30s")))) {
            String known = serviceToken();
            assertThat(gateway.get("/api/orders", known).getStatusCode().value())
                    .isEqualTo(200);
            int afterWarmUp = proxy.jwksRequests();
            // the key set is loaded once, by the startup warm-up and the first request together
            assertThat(afterWarmUp).isBetween(1, 2);

            RSAKey attacker = TestTokens.rsaKey("attacker");
            for (int i = 0; i < 300; i++) {
                String forged = TestTokens.oidc(attacker, this.keycloak.issuerUri("dualcore"))
                        .header(h -> h.keyID(UUID.randomUUID().toString()))
                        .sign();
                assertProblem(gateway.get("/api/orders", forged), 401, "unknown_key");
            }
            int flood = proxy.jwksRequests() - afterWarmUp;
            assertThat(flood).as("JWKS fetches caused by 300 unknown kids").isLessThanOrEqualTo(1);
            assertThat(gateway.get("/api/orders", serviceToken())
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);
        }
    }

    @Test
    void keycloakCutWhenKeysKnownThenFreshTokensKeepVerifying() throws Exception {
        try (ControllableProxy proxy =
                        ControllableProxy.start(this.keycloak.baseUrl().toString());
                TestGateway gateway = TestGateway.start(gatewayProperties(
                        proxy.url() + "/realms/dualcore/protocol/openid-connect/certs",
                        null,
                        Map.of(
                                "cache-ttl",
                                "2s",
                                "refresh-ahead",
                                "500ms",
                                "min-refresh-interval",
                                "500ms",
                                "refresh-timeout",
                                "1s")))) {
            assertThat(gateway.get("/api/orders", serviceToken())
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);
            proxy.cut();
            // past the 2 s TTL with a refresh that failed: only outage tolerance keeps the keys now
            JwksKeySource keys = gateway.jwks("dualcore");
            await().atMost(TestClients.TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> keys.lastFetchFailed()
                            && Duration.between(keys.lastSuccessAt(), Instant.now())
                                            .compareTo(Duration.ofSeconds(2))
                                    > 0);
            // a token the gateway has never seen, signed with the known key, while the IdP is unreachable
            String fresh = serviceToken();
            assertThat(gateway.get("/api/orders", fresh).getStatusCode().value())
                    .isEqualTo(200);
            proxy.restore();
        }
    }

    @Test
    void gatewayStartedBeforeKeycloakWhenItComesUpThenVerifiesWithoutRestart() throws Exception {
        try (ControllableProxy proxy =
                        ControllableProxy.startCut(this.keycloak.baseUrl().toString());
                TestGateway gateway = TestGateway.start(gatewayProperties(
                        null,
                        proxy.url() + "/realms/dualcore/.well-known/openid-configuration",
                        Map.of("min-refresh-interval", "1s")))) {
            String edge = TestTokens.edge("edge-demo-1", DEMO_KEY, JWSAlgorithm.HS256, "dualcore-edge")
                    .sign();
            assertThat(gateway.get("/edge/telemetry", edge).getStatusCode().value())
                    .as("edge traffic is served while the IdP is down")
                    .isEqualTo(200);
            String token = serviceToken();
            ResponseEntity<String> unavailable = gateway.get("/api/orders", token);
            assertProblem(unavailable, 503, "issuer_unavailable");
            assertThat(unavailable.getHeaders().getFirst("Retry-After")).isNotBlank();

            proxy.restore();
            await("verifies once the IdP is up, without a restart")
                    .atMost(TestClients.TIMEOUT)
                    .pollInterval(Duration.ofMillis(300))
                    .until(() ->
                            gateway.get("/api/orders", token).getStatusCode().value() == 200);
        }
    }
}
