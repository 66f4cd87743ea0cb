package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.NormalizingUpstream;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 9's escalations with real Keycloak tokens of the demo realm, behind a normalizing upstream: alice (role
 * {@code user}) never reaches the admin resource by any spelling of its path; bob (role {@code admin}) does, and the
 * upstream receives the canonical path. {@link RequestPathIT} covers the whole table with locally signed tokens.
 */
@ExtendWith(KeycloakExtension.class)
class RequestPathOidcIT {

    private static final List<String> SPELLINGS = List.of(
            "/api/admin/users",
            "/api//admin/users",
            "/api/./admin/users",
            "/api/%2e/admin/users",
            "/api/x/../admin/users",
            "/api/public/../admin/users",
            "/api/public/x/../../admin/users");

    private static NormalizingUpstream upstream;

    private static TestGateway gateway;

    private static String alice;

    private static String bob;

    @BeforeAll
    static void start(KeycloakServer keycloak) {
        upstream = NormalizingUpstream.start();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", upstream.uri());
        properties.put("EDGE_CORE_URI", upstream.uri());
        properties.put("dualcore.auth.oidc.issuers[0].name", "dualcore");
        properties.put("dualcore.auth.oidc.issuers[0].issuer-uri", keycloak.issuerUri("dualcore"));
        properties.put("dualcore.auth.oidc.issuers[0].audiences", "dualcore-gateway");
        gateway = TestGateway.start(properties);
        alice = keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        bob = keycloak.passwordToken("dualcore", "dualcore-demo", "bob", "bob-demo-password");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void clearUpstream() {
        upstream.clear();
    }

    @Test
    void adminPathWhenAnySpellingAndNoAdminRoleThenForbidden() {
        for (String path : SPELLINGS) {
            String answer = RawHttp.get(gateway.port(), path, "Authorization: Bearer " + alice);
            assertThat(RawHttp.status(answer)).as(path + "\n" + answer).isEqualTo(403);
            assertThat(RawHttp.body(answer)).contains("insufficient_role");
        }
        String answer = RawHttp.get(gateway.port(), "/api/public/..;/admin/users", "Authorization: Bearer " + alice);
        assertThat(RawHttp.status(answer)).isEqualTo(400);
        assertThat(RawHttp.body(answer)).contains("invalid_path");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void adminPathWhenAnySpellingAndAdminRoleThenUpstreamReceivesTheCanonicalPath() {
        for (String path : SPELLINGS) {
            String answer = RawHttp.get(gateway.port(), path + "?page=2", "Authorization: Bearer " + bob);
            assertThat(RawHttp.status(answer)).as(path + "\n" + answer).isEqualTo(200);
            assertThat(RawHttp.body(answer)).contains(NormalizingUpstream.ADMIN_RESOURCE);
        }
        assertThat(upstream.received()).hasSize(SPELLINGS.size()).allSatisfy(received -> {
            assertThat(received.rawUri()).isEqualTo("/api/admin/users");
            assertThat(received.query()).isEqualTo("page=2");
            assertThat(received.path()).isEqualTo("/api/admin/users");
        });
    }
}
