package io.dualcore.gateway.auth.oidc;

import static io.dualcore.gateway.auth.oidc.OidcAuthenticationIT.assertProblem;
import static io.dualcore.gateway.auth.oidc.OidcAuthenticationIT.claims;
import static io.dualcore.gateway.auth.oidc.OidcAuthenticationIT.identityHeaders;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.ControllableProxy;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * UserInfo enrichment against real Keycloak, with a {@link ControllableProxy} in front of its UserInfo endpoints to
 * count the calls and to cut them: realm {@code dualcore} enriches with {@code failure-policy: deny}, realm
 * {@code partners} with {@code continue}; JWKS are fetched from Keycloak directly.
 */
@ExtendWith(KeycloakExtension.class)
class UserInfoEnrichmentIT {

    /** Short, so the breaker test can await the recovery instead of leaving the breaker open for the others. */
    private static final String BREAKER_OPEN_FOR = "1s";

    private static EchoCore core;

    private static ControllableProxy userInfo;

    private static TestGateway gateway;

    private final KeycloakServer keycloak;

    UserInfoEnrichmentIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak) {
        core = EchoCore.start("core", "127.0.0.1", 0);
        userInfo = ControllableProxy.start(keycloak.baseUrl().toString());
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        issuer(properties, 0, "dualcore", "deny", keycloak);
        issuer(properties, 1, "partners", "continue", keycloak);
        gateway = TestGateway.start(properties);
    }

    private static void issuer(
            Map<String, String> properties, int index, String realm, String policy, KeycloakServer keycloak) {
        String prefix = "dualcore.auth.oidc.issuers[" + index + "].";
        properties.put(prefix + "name", realm);
        properties.put(prefix + "issuer-uri", keycloak.issuerUri(realm));
        properties.put(prefix + "audiences", "dualcore-gateway");
        properties.put(prefix + "userinfo.enabled", "true");
        properties.put(
                prefix + "userinfo.uri", userInfo.url() + "/realms/" + realm + "/protocol/openid-connect/userinfo");
        properties.put(prefix + "userinfo.claims", "email,preferred_username,email_verified");
        properties.put(prefix + "userinfo.failure-policy", policy);
        properties.put(prefix + "userinfo.timeout", "2s");
        properties.put(prefix + "userinfo.circuit-breaker.minimum-calls", "3");
        properties.put(prefix + "userinfo.circuit-breaker.open-for", BREAKER_OPEN_FOR);
    }

    @AfterEach
    void reconnect() {
        userInfo.restore();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        userInfo.close();
        core.close();
    }

    @Test
    void aliceTokenWhenUserInfoEnabledThenKeycloakClaimsReachUpstreamAndReuseMakesNoCall() throws Exception {
        String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        userInfo.resetCounts();

        ResponseEntity<String> first = gateway.get("/api/profile", alice);

        assertThat(first.getStatusCode().value()).as(first.getBody()).isEqualTo(200);
        assertThat(identityHeaders(first))
                .containsEntry("x-auth-subject", claims(alice).path("sub").asString())
                .containsEntry("x-auth-claim-email", "alice@example.com")
                .containsEntry("x-auth-claim-preferred-username", "alice")
                .containsEntry("x-auth-claim-email-verified", "true");
        assertThat(userInfo.requests()).as("UserInfo calls on the miss").isEqualTo(1);

        ResponseEntity<String> again = gateway.get("/api/profile", alice);

        assertThat(again.getStatusCode().value()).isEqualTo(200);
        assertThat(identityHeaders(again)).containsEntry("x-auth-claim-email", "alice@example.com");
        assertThat(userInfo.requests()).as("UserInfo calls after a cache hit").isEqualTo(1);
    }

    @Test
    void assertionRouteWhenEnrichedThenAssertionCarriesUserInfo() throws Exception {
        String bob = this.keycloak.passwordToken("dualcore", "dualcore-demo", "bob", "bob-demo-password");

        ResponseEntity<String> response = gateway.get("/api/admin/users", bob);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        String assertion = identityHeaders(response).get("x-auth-assertion");
        assertThat(assertion)
                .as("microservice-admin signs an identity assertion")
                .isNotNull();
        assertThat(SignedJWT.parse(assertion).getJWTClaimsSet().getJSONObjectClaim("userinfo"))
                .containsEntry("email", "bob@example.com")
                .containsEntry("preferred_username", "bob");
        assertThat(identityHeaders(response)).containsEntry("x-auth-claim-email", "bob@example.com");
    }

    @Test
    void userInfoUnreachableWhenPolicyDenyThenUnavailableAndNothingCached() {
        String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        userInfo.cut();

        ResponseEntity<String> response = gateway.get("/api/profile", alice);

        assertProblem(response, 503, "userinfo_unavailable");
        assertThat(response.getHeaders().getFirst("Retry-After")).isNotNull();
        assertThat(response.getBody()).doesNotContain(alice);

        userInfo.restore();
        userInfo.resetCounts();
        ResponseEntity<String> recovered = gateway.get("/api/profile", alice);
        assertThat(recovered.getStatusCode().value()).isEqualTo(200);
        assertThat(identityHeaders(recovered)).containsEntry("x-auth-claim-email", "alice@example.com");
        assertThat(userInfo.requests()).as("the refusal was not cached").isEqualTo(1);
    }

    @Test
    void userInfoUnreachableWhenPolicyContinueThenServedWithoutUserInfoClaims() {
        String carol = this.keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password");
        userInfo.cut();

        ResponseEntity<String> response = gateway.get("/api/profile", carol);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        assertThat(identityHeaders(response))
                .containsEntry("x-auth-realm", "partners")
                .containsEntry("x-auth-subject", claims(carol).path("sub").asString())
                .doesNotContainKeys("x-auth-claim-email", "x-auth-claim-preferred-username");
    }

    @Test
    void userInfoDownWhenPolicyDenyThenBreakerOpensRequestsFailFastAndProbeRecovers() {
        userInfo.cut();
        for (int i = 0; i < 10 && !breakerOpen("dualcore"); i++) {
            String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
            assertProblem(gateway.get("/api/profile", alice), 503, "userinfo_unavailable");
        }
        assertThat(breakerOpen("dualcore")).as("the breaker opened").isTrue();
        double skippedBefore = skipped("dualcore");

        String alice = this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        ResponseEntity<String> fast = gateway.get("/api/profile", alice);

        assertProblem(fast, 503, "userinfo_unavailable");
        assertThat(fast.getHeaders().getFirst("Retry-After")).isNotNull();
        assertThat(skipped("dualcore")).as("answered without a UserInfo call").isGreaterThan(skippedBefore);

        userInfo.restore();
        ResponseEntity<String> recovered = await().atMost(TestClients.TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> gateway.get("/api/profile", alice),
                        response -> response.getStatusCode().value() == 200);
        assertThat(identityHeaders(recovered)).containsEntry("x-auth-claim-email", "alice@example.com");
        assertThat(breakerOpen("dualcore")).isFalse();
    }

    private static boolean breakerOpen(String realm) {
        String readiness = gateway.management("/actuator/health/readiness").getBody();
        JsonNode issuer =
                JsonMapper.builder().build().readTree(readiness).at("/components/issuers/details/issuers/" + realm);
        return "open".equals(issuer.path("userinfo").asString());
    }

    private static double skipped(String realm) {
        String metrics = gateway.management("/actuator/prometheus").getBody();
        String prefix = "dualcore_userinfo_calls_total{issuer=\"" + realm + "\",result=\"skipped\"}";
        return metrics.lines()
                .filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + prefix));
    }

    @Test
    void carolTokenWhenUserInfoReachableThenPartnersClaims() {
        String carol = this.keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password");

        ResponseEntity<String> response = gateway.get("/api/profile", carol);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(identityHeaders(response)).containsEntry("x-auth-claim-email", "carol@example.com");
    }
}
