package io.dualcore.gateway.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.DecisionDoorRoutes;
import io.dualcore.gateway.testsupport.LocalJwks;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The forward-auth door against a whole gateway: requests shaped as nginx {@code auth_request}, Traefik / Caddy
 * forward auth and Envoy {@code ext_authz} HTTP send them get the decision the gateway's own route gives the same
 * request (identity headers on allow; status, code and challenge on refusal), with route predicates, policies, CEL
 * and rate limits applied. Tokens are signed here and verified against a local JWKS endpoint.
 */
@ExtendWith(OutputCaptureExtension.class)
class ForwardAuthIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final EchoCore MICROSERVICE_CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static final EchoCore EDGE_CORE = EchoCore.start("edge-core", "127.0.0.1", 0);

    private static LocalJwks jwks;

    private static TestGateway gateway;

    private static int decisionPort;

    private static RSAKey key;

    private static String issuer;

    @BeforeAll
    static void start() throws IOException {
        key = TestTokens.rsaKey("forward-auth-it");
        jwks = LocalJwks.serve(key);
        issuer = jwks.issuer(DecisionDoorRoutes.REALM);
        Map<String, String> properties = DecisionDoorRoutes.properties(jwks, MICROSERVICE_CORE, EDGE_CORE);
        properties.put("dualcore.decision-api.enabled", "true");
        properties.put("dualcore.decision-api.port", "0");
        gateway = TestGateway.start(properties);
        decisionPort = gateway.bean(ForwardAuthServer.class).port();
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

    private static String traefik(String method, String uri, String... headerLines) {
        List<String> lines = new ArrayList<>(List.of(
                "X-Forwarded-Method: " + method,
                "X-Forwarded-Uri: " + uri,
                "X-Forwarded-Host: app.example",
                "X-Forwarded-Proto: https",
                "X-Forwarded-For: 203.0.113.9"));
        lines.addAll(List.of(headerLines));
        return RawHttp.get(decisionPort, "/traefik", lines.toArray(String[]::new));
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token;
    }

    private static String header(String answer, String name) {
        for (String line : RawHttp.headers(answer).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String code(String answer) {
        return JSON.readTree(RawHttp.body(answer)).path("code").asText();
    }

    /** What the core received through the gateway's own route. */
    private static JsonNode proxied(String path, String token) {
        var answer = gateway.get(path, token);
        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        return JSON.readTree(answer.getBody()).path("headers");
    }

    @Test
    void traefikWhenOidcTokenThenIdentityHeadersAsTheGatewayHandsThemOver() {
        String token =
                TestTokens.oidc(key, issuer).claim("sub", "alice@example.com").sign();
        String answer = traefik("GET", "/telemetry/readings", bearer(token));
        assertThat(RawHttp.status(answer)).isEqualTo(200);
        JsonNode upstream = proxied("/telemetry/readings", token);
        for (String name : List.of("X-Auth-Subject", "X-Auth-Mode", "X-Auth-Issuer", "X-Auth-Roles", "X-Auth-Client")) {
            assertThat(header(answer, name))
                    .as(name)
                    .isNotNull()
                    .isEqualTo(upstream.path(name).path(0).asText());
        }
        assertThat(header(answer, "X-Auth-Mode")).isEqualTo("oidc");
    }

    @Test
    void traefikWhenDpopRouteAndBoundTokenWithoutProofThenRefusedWithTheDpopChallengeAsTheProxyRefuses() {
        ECKey holder = DpopProofs.ecKey();
        String bound = TestTokens.oidc(key, issuer)
                .claim("cnf", Map.of("jkt", DpopProofs.thumbprint(holder)))
                .sign();

        String answer = traefik("GET", "/api/dpop/orders", bearer(bound));
        var proxied = gateway.get("/api/dpop/orders", bound);

        assertThat(RawHttp.status(answer)).isEqualTo(401);
        assertThat(code(answer)).isEqualTo("dpop_bound_token");
        assertThat(header(answer, HttpHeaders.WWW_AUTHENTICATE)).startsWith("DPoP");
        assertThat(proxied.getStatusCode().value()).isEqualTo(401);
        assertThat(proxied.getBody()).contains("\"dpop_bound_token\"");
        assertThat(proxied.getHeaders().get(HttpHeaders.WWW_AUTHENTICATE)).anyMatch(value -> value.startsWith("DPoP"));
    }

    @Test
    void traefikWhenDpopRouteAndProofNamesTheOriginalRequestThenAllowedElseInvalidProof() {
        ECKey holder = DpopProofs.ecKey();
        String bound = TestTokens.oidc(key, issuer)
                .claim("cnf", Map.of("jkt", DpopProofs.thumbprint(holder)))
                .sign();
        String original = DpopProofs.proof(holder, "GET", "https://app.example/api/dpop/orders", bound, Instant.now())
                .sign();
        String subRequest = DpopProofs.proof(
                        holder, "GET", "http://127.0.0.1:" + decisionPort + "/traefik", bound, Instant.now())
                .sign();

        String allowed = traefik("GET", "/api/dpop/orders", "Authorization: DPoP " + bound, "DPoP: " + original);
        String refused = traefik("GET", "/api/dpop/orders", "Authorization: DPoP " + bound, "DPoP: " + subRequest);

        assertThat(RawHttp.status(allowed)).as(RawHttp.body(allowed)).isEqualTo(200);
        assertThat(RawHttp.status(refused)).isEqualTo(401);
        assertThat(code(refused))
                .as("htu must name the described request, not the auth sub-request")
                .isEqualTo("invalid_dpop_proof");
    }

    @Test
    void decisionWhenAuditedThenTheLineNamesTheDoor(CapturedOutput output) {
        String token = TestTokens.oidc(key, issuer).claim("sub", "audited").sign();
        assertThat(RawHttp.status(traefik("GET", "/telemetry/audited", bearer(token))))
                .isEqualTo(200);
        Awaitility.await()
                .atMost(TestClients.TIMEOUT)
                .until(() -> output.getAll()
                        .lines()
                        .anyMatch(
                                line -> line.contains("/telemetry/audited") && line.contains("\"door\":\"traefik\"")));
    }

    @Test
    void caddyWhenEdgeTokenThenEdgeRouteAndEdgeIdentity() {
        String answer = RawHttp.get(
                decisionPort,
                "/caddy",
                "X-Forwarded-Method: GET",
                "X-Forwarded-Uri: /telemetry/readings",
                "X-Forwarded-Host: app.example",
                bearer(TestTokens.demoEdge().sign()));
        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(header(answer, "X-Auth-Mode")).isEqualTo("edge");
        assertThat(header(answer, "X-Auth-Subject")).isEqualTo("device-42");
    }

    @Test
    void traefikWhenClientSendsIdentityHeadersThenTheyAreIgnored() {
        String token = TestTokens.oidc(key, issuer).claim("sub", "bob").sign();
        String answer =
                traefik("GET", "/telemetry/readings", bearer(token), "X-Auth-Subject: admin", "X-Auth-Roles: admin");
        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(header(answer, "X-Auth-Subject")).isEqualTo("bob");
        assertThat(header(answer, "X-Auth-Roles")).doesNotContain("admin");
    }

    @Test
    void traefikWhenNoTokenThenTheGatewaysChallenge() {
        String answer = traefik("GET", "/api/orders");
        String proxied = RawHttp.get(gateway.port(), "/api/orders");
        assertThat(RawHttp.status(answer)).isEqualTo(401).isEqualTo(RawHttp.status(proxied));
        assertThat(code(answer)).isEqualTo(code(proxied));
        assertThat(header(answer, "WWW-Authenticate")).startsWith("Bearer realm=");
        assertThat(header(answer, "X-Auth-Subject")).isNull();
    }

    @Test
    void traefikWhenBadOrExpiredTokenThen401WithItsCode() {
        assertThat(code(traefik("GET", "/telemetry/readings", bearer("not.a.token"))))
                .isEqualTo("malformed_token");
        String expired = TestTokens.oidc(key, issuer)
                .time("iat", Instant.now().minusSeconds(600))
                .time("exp", Instant.now().minusSeconds(300))
                .sign();
        String answer = traefik("GET", "/telemetry/readings", bearer(expired));
        assertThat(RawHttp.status(answer)).isEqualTo(401);
        assertThat(code(answer)).isEqualTo("token_expired");
        assertThat(header(answer, "WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    @Test
    void traefikWhenRoutePolicyRefusesThen403AsTheGateway() {
        String token = TestTokens.oidc(key, issuer).sign();
        String answer = traefik("POST", "/telemetry/readings", bearer(token));
        assertThat(RawHttp.status(answer)).isEqualTo(403);
        assertThat(code(answer)).isEqualTo("policy_denied");
        assertThat(JSON.readTree(RawHttp.body(answer)).path("instance").asText())
                .isEqualTo("/telemetry/readings");
    }

    @Test
    void traefikWhenPlanExhaustedThen429WithRetryAfterAndRateLimitHeaders() {
        String token =
                TestTokens.oidc(key, issuer).claim("tenant_id", "initech").sign();
        String first = traefik("GET", "/telemetry/readings", bearer(token));
        assertThat(RawHttp.status(first)).isEqualTo(200);
        assertThat(RawHttp.headers(first).toLowerCase(Locale.ROOT)).contains("ratelimit");
        assertThat(RawHttp.status(traefik("GET", "/telemetry/readings", bearer(token))))
                .isEqualTo(200);
        String limited = traefik("GET", "/telemetry/readings", bearer(token));
        assertThat(RawHttp.status(limited)).isEqualTo(429);
        assertThat(code(limited)).isEqualTo("rate_limited");
        assertThat(header(limited, "Retry-After")).isNotNull();
        // the same bucket as the gateway's own route
        assertThat(RawHttp.status(RawHttp.get(gateway.port(), "/telemetry/readings", bearer(token))))
                .isEqualTo(429);
    }

    @Test
    void traefikWhenNoRouteMatchesThen404NoRoute() {
        String answer =
                traefik("GET", "/nowhere", bearer(TestTokens.oidc(key, issuer).sign()));
        assertThat(RawHttp.status(answer)).isEqualTo(404);
        assertThat(code(answer)).isEqualTo("no_route");
    }

    @Test
    void traefikWhenPathConfusionThenJudgedAsTheGatewayJudgesIt() {
        String token = TestTokens.oidc(key, issuer).sign();
        for (String path : List.of(
                "/telemetry/./readings",
                "/api/public/../admin/users",
                "/api/public/%2e%2e/admin/users",
                "/api/public/%2E%2E%2Fadmin",
                "/api/public%2Fadmin",
                "/api/public/..;/admin",
                "//api//admin/users",
                "/api/public/%252e%252e/admin",
                "/api/public/\\..\\admin",
                "/api/public/%00")) {
            String decision = traefik("GET", path, bearer(token));
            String proxied = RawHttp.get(gateway.port(), path, bearer(token));
            assertThat(RawHttp.status(decision)).as(path).isEqualTo(RawHttp.status(proxied));
            if (RawHttp.status(proxied) >= 400 && !code(proxied).isEmpty()) {
                assertThat(code(decision)).as(path).isEqualTo(code(proxied));
            }
        }
    }

    @Test
    void traefikWhenTokenInOriginalQueryThen400InvalidRequestAsTheGateway() {
        String answer = traefik("GET", "/telemetry/readings?Access_Token=abc");
        assertThat(RawHttp.status(answer)).isEqualTo(400);
        assertThat(code(answer)).isEqualTo("invalid_request");
        assertThat(code(answer)).isEqualTo(code(RawHttp.get(gateway.port(), "/telemetry/readings?Access_Token=abc")));
    }

    @Test
    void traefikWhenOriginalUriMissingOrMalformedThen400() {
        String missing = RawHttp.get(decisionPort, "/traefik", "X-Forwarded-Method: GET");
        assertThat(RawHttp.status(missing)).isEqualTo(400);
        assertThat(code(missing)).isEqualTo("original_request_missing");
        assertThat(RawHttp.status(traefik("G E T", "/api/x"))).isEqualTo(400);
        assertThat(RawHttp.status(traefik("GET", "http://evil.example/api/x"))).isEqualTo(400);
        assertThat(RawHttp.status(traefik("GET", "api/x"))).isEqualTo(400);
        assertThat(RawHttp.status(traefik("GET", "/api/x?a=<b>|{c}"))).isBetween(400, 499);
        assertThat(RawHttp.status(traefik("GET", "/" + "a".repeat(20_000)))).isBetween(400, 499);
    }

    @Test
    void envoyHttpWhenPathPrefixedOriginalThenDecisionForTheOriginalPath() {
        String token = TestTokens.oidc(key, issuer).claim("sub", "carol").sign();
        String allowed = RawHttp.get(decisionPort, "/envoy/telemetry/readings?from=1", bearer(token));
        assertThat(RawHttp.status(allowed)).isEqualTo(200);
        assertThat(header(allowed, "X-Auth-Subject")).isEqualTo("carol");
        String refused = RawHttp.exchange(
                decisionPort,
                "DELETE /envoy/telemetry/readings HTTP/1.1\r\nHost: app.example\r\n" + bearer(token)
                        + "\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(refused)).isEqualTo(403);
        assertThat(code(refused)).isEqualTo("policy_denied");
    }

    @Test
    void nginxWhenRefusedThen401CarryingTheRealAnswerForTheDeniedLocation() {
        String token = TestTokens.oidc(key, issuer).sign();
        String answer = RawHttp.get(
                decisionPort,
                "/nginx",
                "X-Original-Method: POST",
                "X-Original-URI: /telemetry/readings",
                bearer(token));
        assertThat(RawHttp.status(answer)).isEqualTo(401);
        String denial = header(answer, "X-Dualcore-Denial");
        assertThat(denial).isNotNull();
        String denied = RawHttp.get(decisionPort, "/nginx/denied", "X-Dualcore-Denial: " + denial);
        assertThat(RawHttp.status(denied)).isEqualTo(403);
        assertThat(code(denied)).isEqualTo("policy_denied");
        assertThat(RawHttp.status(RawHttp.get(decisionPort, "/nginx/denied", "X-Dualcore-Denial: Zm9v")))
                .isEqualTo(400);
    }

    @Test
    void nginxWhenAllowedThen200WithIdentity() {
        String token = TestTokens.oidc(key, issuer).claim("sub", "dave").sign();
        String answer = RawHttp.get(
                decisionPort,
                "/nginx",
                "X-Original-Method: GET",
                "X-Original-URI: /telemetry/%2E/readings",
                bearer(token));
        assertThat(RawHttp.status(answer)).isEqualTo(200);
        assertThat(header(answer, "X-Auth-Subject")).isEqualTo("dave");
    }
}
