package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.GatewayRoutes;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.dualcore.gateway.testsupport.keycloak.ServiceClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Identity-aware routing with REAL Keycloak tokens: carol's token of the {@code partners} realm taken by
 * {@code Realm=partners} routes, and a {@code Claim=} route selected by a claim that a Keycloak hardcoded-claim protocol
 * mapper adds to a client's tokens (in a realm created for this test, so the shared realms stay untouched).
 */
@ExtendWith(KeycloakExtension.class)
class KeycloakIdentityRoutingIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String TENANT_REALM = "tenants-" + Long.toHexString(System.nanoTime());

    private static EchoCore microserviceCore;

    private static EchoCore edgeCore;

    private static EchoCore partnerCore;

    private static EchoCore acmeCore;

    private static ServiceClient acmeClient;

    private static TestGateway gateway;

    private final KeycloakServer keycloak;

    KeycloakIdentityRoutingIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak) {
        microserviceCore = EchoCore.start("microservice-core", "127.0.0.1", 0);
        edgeCore = EchoCore.start("edge-core", "127.0.0.1", 0);
        partnerCore = EchoCore.start("partner-core", "127.0.0.1", 0);
        acmeCore = EchoCore.start("acme-core", "127.0.0.1", 0);
        acmeClient = keycloak.admin().createRealm(TENANT_REALM);
        addHardcodedClaim(keycloak, acmeClient, "tenant_id", "acme");
        Map<String, String> properties = new LinkedHashMap<>();
        issuer(properties, 0, "dualcore", keycloak);
        issuer(properties, 1, "partners", keycloak);
        issuer(properties, 2, TENANT_REALM, keycloak);
        // the route list replaces config/application.yml's, so its routes (which have policies there) come too
        GatewayRoutes.into(properties)
                .add("telemetry-edge", edgeCore.uri(), "/telemetry/**", "Mode=edge")
                .add("telemetry-partners", partnerCore.uri(), "/telemetry/**", "Realm=partners")
                .add("telemetry-acme", acmeCore.uri(), "/telemetry/**", "Claim=tenant_id,acme")
                .add("telemetry-oidc", microserviceCore.uri(), "/telemetry/**", "Mode=oidc")
                .add("public-health", microserviceCore.uri(), "/api/public/**")
                .add("microservice-admin", microserviceCore.uri(), "/api/admin/**")
                .add("partner-api", partnerCore.uri(), "/api/partners/**", "Realm=partners")
                .add("microservice-core", microserviceCore.uri(), "/api/**")
                .add("edge-core", edgeCore.uri(), "/edge/**");
        properties.put("dualcore.routes.telemetry-edge.access.modes", "edge");
        properties.put("dualcore.routes.telemetry-partners.access.modes", "oidc");
        properties.put("dualcore.routes.telemetry-partners.access.issuers", "partners");
        properties.put("dualcore.routes.telemetry-acme.access.modes", "oidc");
        properties.put("dualcore.routes.telemetry-oidc.access.modes", "oidc");
        gateway = TestGateway.start(properties);
    }

    private static void issuer(Map<String, String> properties, int index, String realm, KeycloakServer keycloak) {
        String prefix = "dualcore.auth.oidc.issuers[" + index + "].";
        properties.put(prefix + "name", realm);
        properties.put(prefix + "issuer-uri", keycloak.issuerUri(realm));
        properties.put(prefix + "audiences", "dualcore-gateway");
    }

    /** A Keycloak hardcoded-claim protocol mapper on the client: every access token of it carries the claim. */
    private static void addHardcodedClaim(KeycloakServer keycloak, ServiceClient client, String claim, String value) {
        String clientUuid = keycloak.admin()
                .getJson("/admin/realms/" + client.realm() + "/clients?clientId=" + client.clientId())
                .get(0)
                .path("id")
                .asString();
        ObjectNode mapper = JSON.createObjectNode()
                .put("name", claim)
                .put("protocol", "openid-connect")
                .put("protocolMapper", "oidc-hardcoded-claim-mapper");
        mapper.putObject("config")
                .put("claim.name", claim)
                .put("claim.value", value)
                .put("jsonType.label", "String")
                .put("access.token.claim", "true")
                .put("id.token.claim", "false")
                .put("userinfo.token.claim", "false");
        int status = keycloak.admin()
                .post("/admin/realms/" + client.realm() + "/clients/" + clientUuid + "/protocol-mappers/models", mapper)
                .statusCode();
        assertThat(status).as("protocol mapper created").isEqualTo(201);
    }

    @AfterAll
    static void stop(KeycloakServer keycloak) {
        if (gateway != null) {
            gateway.close();
        }
        keycloak.admin().deleteRealm(TENANT_REALM);
        microserviceCore.close();
        edgeCore.close();
        partnerCore.close();
        acmeCore.close();
    }

    @Test
    void carolTokenWhenRealmPartnersRoutesThenPartnerCore() {
        String carol = this.keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password");

        assertThat(coreFor("/telemetry/readings", carol)).isEqualTo("partner-core");
        assertThat(coreFor("/api/partners/orders", carol)).isEqualTo("partner-core");
    }

    @Test
    void aliceTokenWhenRealmPartnersRoutesThenNotTaken() {
        String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");

        assertThat(coreFor("/telemetry/readings", alice)).isEqualTo("microservice-core");
        assertThat(coreFor("/api/partners/orders", alice)).isEqualTo("microservice-core");
    }

    @Test
    void tokenWithMapperClaimWhenClaimRouteThenTenantCore() {
        String acme = this.keycloak.clientCredentialsToken(acmeClient);
        assertThat(claims(acme).path("tenant_id").asString())
                .as("the mapper's claim")
                .isEqualTo("acme");

        assertThat(coreFor("/telemetry/readings", acme)).isEqualTo("acme-core");
    }

    @Test
    void clientHeaderWhenNoClaimInTokenThenClaimRouteNotTaken() {
        String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");

        ResponseEntity<String> response = gateway.get(
                "/telemetry/readings", alice, Map.of("tenant_id", "acme", "X-Auth-Claim-Tenant-Id", "acme"));

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(JSON.readTree(response.getBody()).path("core").asString()).isEqualTo("microservice-core");
    }

    private static String coreFor(String path, String token) {
        ResponseEntity<String> response = gateway.get(path, token);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return JSON.readTree(response.getBody()).path("core").asString();
    }

    private static tools.jackson.databind.JsonNode claims(String jwt) {
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
    }
}
