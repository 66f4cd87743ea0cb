package io.dualcore.gateway.explain;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.DecisionDoorRoutes;
import io.dualcore.gateway.testsupport.LocalJwks;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /admin/explain} against a whole gateway: each step of real decisions (allowed, refused at
 * authentication, at the policy, no route), the routes tried in order, the rate-limit plan without a token taken,
 * admin authentication, and tokens never echoed in full.
 */
class ExplainIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final EchoCore MICROSERVICE_CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static final EchoCore EDGE_CORE = EchoCore.start("edge-core", "127.0.0.1", 0);

    private static LocalJwks jwks;

    private static TestGateway gateway;

    private static RSAKey key;

    private static String issuer;

    /** A fresh admin token per call: edge tokens are one-time here (replay protection on). */
    private static String admin() {
        return TestTokens.demoEdge().claim("roles", List.of("dualcore-admin")).sign();
    }

    @BeforeAll
    static void start() throws IOException {
        key = TestTokens.rsaKey("explain-it");
        jwks = LocalJwks.serve(key);
        issuer = jwks.issuer(DecisionDoorRoutes.REALM);
        Map<String, String> properties = DecisionDoorRoutes.properties(jwks, MICROSERVICE_CORE, EDGE_CORE);
        properties.put("dualcore.auth.edge.replay-protection", "true");
        gateway = TestGateway.start(properties);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (jwks != null) {
            jwks.close();
        }
        MICROSERVICE_CORE.close();
        EDGE_CORE.close();
    }

    private static ResponseEntity<String> post(String admin, String body) {
        return TestClients.webClient(gateway.managementPort())
                .post()
                .uri("/admin/explain")
                .headers(h -> {
                    if (admin != null) {
                        h.setBearerAuth(admin);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    private static JsonNode explain(String method, String path, String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("method", method);
        body.put("path", path);
        if (token != null) {
            body.put("token", token);
        }
        ResponseEntity<String> answer = post(admin(), JSON.writeValueAsString(body));
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(200);
        if (token != null) {
            assertThat(answer.getBody()).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.')));
        }
        return JSON.readTree(answer.getBody());
    }

    private static JsonNode step(JsonNode explanation, String name) {
        for (JsonNode step : explanation.path("steps")) {
            if (step.path("step").asText().equals(name)) {
                return step;
            }
        }
        throw new AssertionError("no step " + name + " in " + explanation);
    }

    private static List<String> tried(JsonNode explanation) {
        List<String> tried = new ArrayList<>();
        for (JsonNode route : step(explanation, "route").path("detail").path("tried")) {
            tried.add(route.path("id").asText() + "=" + route.path("matched").asBoolean());
        }
        return tried;
    }

    @Test
    void explainWhenAllowedThenEveryStepWithModeKeyIssuerRoutesTriedAndHeaders() {
        String token = TestTokens.oidc(key, issuer).claim("sub", "alice").sign();
        JsonNode explanation = explain("GET", "/telemetry/./readings?from=1", token);
        assertThat(explanation.path("outcome").asText()).isEqualTo("allowed");
        assertThat(explanation.path("status").asInt()).isEqualTo(200);
        assertThat(step(explanation, "path").path("result").asText()).isEqualTo("/telemetry/readings");
        JsonNode authentication = step(explanation, "authenticate").path("detail");
        assertThat(authentication.path("mode").asText()).isEqualTo("oidc");
        assertThat(authentication.path("keyId").asText()).isEqualTo("explain-it");
        assertThat(authentication.path("issuer").asText()).isEqualTo(issuer);
        assertThat(authentication.path("why").asText()).contains(issuer);
        assertThat(authentication.path("claims").path("sub").asText()).isEqualTo("alice");
        assertThat(tried(explanation))
                .containsExactly("telemetry-edge=false", "telemetry-limited=false", "telemetry-oidc=true");
        assertThat(step(explanation, "route")
                        .path("detail")
                        .path("tried")
                        .path(0)
                        .path("predicate")
                        .asText())
                .isNotEmpty();
        assertThat(step(explanation, "policy").path("result").asText()).isEqualTo("allowed");
        assertThat(step(explanation, "hand-over")
                        .path("detail")
                        .path("headers")
                        .path("X-Auth-Subject")
                        .asText())
                .isEqualTo("alice");
        assertThat(explanation.path("token").asText())
                .startsWith(token.substring(0, 8))
                .contains("sha256:");
    }

    @Test
    void explainWhenTokenExpiredThenRefusedAtAuthenticationWithWhatTheTokenSays() {
        String expired = TestTokens.oidc(key, issuer)
                .time("iat", Instant.now().minusSeconds(600))
                .time("exp", Instant.now().minusSeconds(300))
                .sign();
        JsonNode explanation = explain("GET", "/telemetry/readings", expired);
        assertThat(explanation.path("outcome").asText()).isEqualTo("refused");
        assertThat(explanation.path("problem").path("code").asText()).isEqualTo("token_expired");
        JsonNode authentication = step(explanation, "authenticate");
        assertThat(authentication.path("result").asText()).isEqualTo("refused token_expired");
        assertThat(authentication.path("detail").path("unverified").path("kid").asText())
                .isEqualTo("explain-it");
        assertThat(explanation.path("steps").toString()).doesNotContain("\"route\"");
    }

    @Test
    void explainWhenPolicyRefusesThenThePolicyStepSaysWhy() {
        JsonNode explanation = explain(
                "POST", "/telemetry/readings", TestTokens.oidc(key, issuer).sign());
        assertThat(explanation.path("status").asInt()).isEqualTo(403);
        assertThat(step(explanation, "route").path("result").asText()).isEqualTo("telemetry-oidc");
        JsonNode policy = step(explanation, "policy");
        assertThat(policy.path("result").asText()).isEqualTo("denied policy_denied");
        assertThat(policy.path("detail").path("detail").asText()).contains("read-only");
    }

    @Test
    void explainWhenNoRouteThenEveryRouteTriedAndNoneMatched() {
        JsonNode explanation =
                explain("GET", "/nowhere", TestTokens.oidc(key, issuer).sign());
        assertThat(explanation.path("problem").path("code").asText()).isEqualTo("no_route");
        assertThat(tried(explanation)).hasSizeGreaterThanOrEqualTo(8).allMatch(entry -> entry.endsWith("=false"));
    }

    @Test
    void explainWhenRouteHasAPlanThenPlanAndKeyReportedAndNoTokenTaken() {
        String token =
                TestTokens.oidc(key, issuer).claim("tenant_id", "initech").sign();
        for (int i = 0; i < 3; i++) {
            JsonNode limit = step(explain("GET", "/telemetry/readings", token), "rate limit");
            assertThat(limit.path("result").asText()).isEqualTo("tenant not consumed");
            assertThat(limit.path("detail").path("key").asText()).contains("initech");
            assertThat(limit.path("detail").path("consumed").asBoolean(true)).isFalse();
        }
        // the plan's two tokens are all still there for the real requests
        assertThat(gateway.get("/telemetry/readings", token).getStatusCode().value())
                .isEqualTo(200);
        assertThat(gateway.get("/telemetry/readings", token).getStatusCode().value())
                .isEqualTo(200);
        assertThat(gateway.get("/telemetry/readings", token).getStatusCode().value())
                .isEqualTo(429);
    }

    @Test
    void explainWhenOneTimeEdgeTokenThenItsJtiIsNotSpent() {
        String token = TestTokens.demoEdge().sign();
        for (int i = 0; i < 2; i++) {
            JsonNode explanation = explain("GET", "/edge/data", token);
            assertThat(explanation.path("outcome").asText()).isEqualTo("allowed");
            assertThat(step(explanation, "authenticate")
                            .path("detail")
                            .path("replay")
                            .asText())
                    .contains("not checked");
        }
        // the token's one use is still there for the real request, and only one
        assertThat(gateway.get("/edge/data", token).getStatusCode().value()).isEqualTo(200);
        assertThat(gateway.get("/edge/data", token).getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void explainWhenNoAdminTokenThen401AndWhenNotAnAdminThen403() {
        String body = "{\"path\":\"/api/orders\"}";
        assertThat(post(null, body).getStatusCode().value()).isEqualTo(401);
        assertThat(post(TestTokens.demoEdge().sign(), body).getStatusCode().value())
                .isEqualTo(403);
    }

    @Test
    void explainWhenBodyMalformedThen400() {
        assertThat(post(admin(), "{\"path\":1}").getStatusCode().value()).isEqualTo(400);
        assertThat(post(admin(), "{\"nope\":\"x\"}").getStatusCode().value()).isEqualTo(400);
        assertThat(post(admin(), "not json").getStatusCode().value()).isEqualTo(400);
        assertThat(post(admin(), "{\"method\":\"G E T\",\"path\":\"/api\"}")
                        .getStatusCode()
                        .value())
                .isEqualTo(400);
    }
}
