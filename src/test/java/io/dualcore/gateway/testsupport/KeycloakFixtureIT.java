package io.dualcore.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.keycloak.KeycloakAdmin;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.dualcore.gateway.testsupport.keycloak.ServiceClient;
import io.dualcore.gateway.testsupport.keycloak.TokenResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Proves the real-Keycloak fixture: both realms issue the tokens the gateway expects and the admin API works. */
@ExtendWith(KeycloakExtension.class)
class KeycloakFixtureIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String GATEWAY = "dualcore-gateway";

    private final KeycloakServer keycloak;

    KeycloakFixtureIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @Test
    void clientCredentialsTokenWhenDualcoreRealmThenCarriesGatewayAudience() {
        String token = keycloak.clientCredentialsToken("dualcore", "dualcore-service", "dualcore-service-demo-secret");

        JsonNode claims = payload(token);
        assertThat(claims.path("iss").asString()).isEqualTo(keycloak.issuerUri("dualcore"));
        assertThat(strings(claims.path("aud"))).contains(GATEWAY);
        assertThat(claims.path("azp").asString()).isEqualTo("dualcore-service");
        assertThat(strings(claims.path("realm_access").path("roles"))).contains("user");
        assertThat(strings(claims.path("resource_access").path(GATEWAY).path("roles")))
                .containsExactly("orders.read");
        assertThat(claims.path("scope").isString()).isTrue();
    }

    @Test
    void passwordTokenWhenBobInDualcoreRealmThenCarriesAdminRolesAndIdToken() {
        TokenResponse tokens = keycloak.passwordTokens("dualcore", "dualcore-demo", "bob", "bob-demo-password");

        JsonNode claims = payload(tokens.accessToken());
        assertThat(claims.path("iss").asString()).isEqualTo(keycloak.issuerUri("dualcore"));
        assertThat(strings(claims.path("aud"))).contains(GATEWAY);
        assertThat(claims.path("azp").asString()).isEqualTo("dualcore-demo");
        assertThat(claims.path("preferred_username").asString()).isEqualTo("bob");
        assertThat(strings(claims.path("realm_access").path("roles"))).contains("user", "admin");
        assertThat(strings(claims.path("resource_access").path(GATEWAY).path("roles")))
                .containsExactlyInAnyOrder("orders.read", "orders.write");
        assertThat(claims.path("scope").asString().split(" ")).contains("openid", "profile");
        // the audience mapper adds the gateway to access tokens only
        assertThat(tokens.idToken()).isNotNull();
        assertThat(strings(payload(tokens.idToken()).path("aud"))).doesNotContain(GATEWAY);
    }

    @Test
    void passwordTokenWhenAliceInDualcoreRealmThenReadOnly() {
        String token = keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");

        JsonNode claims = payload(token);
        assertThat(strings(claims.path("realm_access").path("roles")))
                .contains("user")
                .doesNotContain("admin");
        assertThat(strings(claims.path("resource_access").path(GATEWAY).path("roles")))
                .containsExactly("orders.read");
    }

    @Test
    void clientCredentialsTokenWhenPartnersRealmThenCarriesGatewayAudience() {
        String token = keycloak.clientCredentialsToken("partners", "partners-service", "partners-service-demo-secret");

        JsonNode claims = payload(token);
        assertThat(claims.path("iss").asString()).isEqualTo(keycloak.issuerUri("partners"));
        assertThat(strings(claims.path("aud"))).contains(GATEWAY);
        assertThat(claims.path("azp").asString()).isEqualTo("partners-service");
        assertThat(strings(claims.path("realm_access").path("roles"))).contains("partner");
    }

    @Test
    void passwordTokenWhenCarolInPartnersRealmThenCarriesPartnerRole() {
        String token = keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password");

        JsonNode claims = payload(token);
        assertThat(claims.path("iss").asString()).isEqualTo(keycloak.issuerUri("partners"));
        assertThat(strings(claims.path("aud"))).contains(GATEWAY);
        assertThat(claims.path("azp").asString()).isEqualTo("partners-demo");
        assertThat(claims.path("preferred_username").asString()).isEqualTo("carol");
        assertThat(strings(claims.path("realm_access").path("roles"))).contains("partner");
    }

    @Test
    void jwksWhenTokenIssuedThenServesRsaKeyWithTokenKid() {
        for (String realm : List.of("dualcore", "partners")) {
            String token = realm.equals("dualcore")
                    ? keycloak.clientCredentialsToken(realm, "dualcore-service", "dualcore-service-demo-secret")
                    : keycloak.clientCredentialsToken(realm, "partners-service", "partners-service-demo-secret");

            String kid = header(token).path("kid").asString();
            assertThat(header(token).path("alg").asString()).isEqualTo("RS256");
            assertThat(rsaKids(realm)).contains(kid);
            assertThat(keycloak.admin().currentSigningKid(realm)).isEqualTo(kid);
        }
    }

    @Test
    void addRsaKeyWhenHigherPriorityThenSignsAndIsPublishedUntilDisabled() {
        KeycloakAdmin admin = keycloak.admin();
        String realm = "rotation-" + shortId();
        ServiceClient client = admin.createRealm(realm);
        try {
            String initialKid =
                    header(keycloak.clientCredentialsToken(client)).path("kid").asString();

            String componentId = admin.addRsaKey(realm, 500);
            String newKid = admin.kidsOfComponent(realm, componentId).get(0);

            assertThat(newKid).isNotEqualTo(initialKid);
            assertThat(rsaKids(realm)).contains(newKid, initialKid);
            assertThat(admin.currentSigningKid(realm)).isEqualTo(newKid);
            assertThat(header(keycloak.clientCredentialsToken(client))
                            .path("kid")
                            .asString())
                    .isEqualTo(newKid);

            admin.setKeyState(realm, componentId, false, false);

            assertThat(rsaKids(realm)).doesNotContain(newKid).contains(initialKid);
            assertThat(admin.currentSigningKid(realm)).isEqualTo(initialKid);
        } finally {
            admin.deleteRealm(realm);
        }
    }

    @Test
    void createRealmWhenUntrustedRealmThenIssuesSignedTokenWithOtherIssuer() {
        KeycloakAdmin admin = keycloak.admin();
        String realm = "untrusted-" + shortId();
        ServiceClient client = admin.createRealm(realm);
        try {
            JsonNode claims = payload(keycloak.clientCredentialsToken(client));

            assertThat(claims.path("iss").asString()).isEqualTo(keycloak.issuerUri(realm));
            assertThat(strings(claims.path("aud"))).contains(GATEWAY);
            assertThat(claims.path("azp").asString()).isEqualTo(client.clientId());
        } finally {
            admin.deleteRealm(realm);
        }
        assertThat(admin.exchange("GET", "/admin/realms/" + realm, null).statusCode())
                .isEqualTo(404);
    }

    private List<String> rsaKids(String realm) {
        return keycloak.jwks(realm)
                .path("keys")
                .valueStream()
                .filter(key -> key.path("kty").asString().equals("RSA"))
                .map(key -> key.path("kid").asString())
                .toList();
    }

    private static JsonNode header(String jwt) {
        return decodePart(jwt, 0);
    }

    private static JsonNode payload(String jwt) {
        return decodePart(jwt, 1);
    }

    private static JsonNode decodePart(String jwt, int index) {
        String part = jwt.split("\\.")[index];
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
    }

    /** A claim that is a string or an array of strings, as a list (aud may be either). */
    private static List<String> strings(JsonNode node) {
        if (node.isArray()) {
            return node.valueStream().map(JsonNode::asString).toList();
        }
        return node.isString() && node.asString().contains(" ")
                ? List.of()
                : node.isString() ? List.of(node.asString()) : List.of();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
