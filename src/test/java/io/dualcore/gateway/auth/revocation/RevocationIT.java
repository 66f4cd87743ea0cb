package io.dualcore.gateway.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.cli.GatewayCli;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.GatewayRoutes;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.dualcore.gateway.testsupport.keycloak.TokenResponse;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.ResponseEntity;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Taking tokens back against real Keycloak 26.5.6 and a real Redis, on two gateways sharing it: Keycloak itself posts
 * the back-channel logout token to gateway A's management port, an admin revokes an edge device with the CLI; both
 * gateways refuse the tokens (cached ones included) within 3 s, and a gateway started afterwards loads the
 * revocations from Redis.
 */
@ExtendWith({KeycloakExtension.class, RedisExtension.class})
class RevocationIT {

    private static final String REALM = "dualcore";

    private static final String DEMO_CLIENT = "dualcore-demo";

    /**
     * How long a test waits for a revocation to reach an instance: the documented bound is one sync interval (1 s)
     * plus a Redis round trip (0.8-0.9 s measured here on an idle machine), but a CI machine with every core busy
     * once took longer than 3 s to run the second instance's poll; the wait is sized for that machine, not the bound.
     */
    private static final Duration PROPAGATION = Duration.ofSeconds(10);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static EchoCore microserviceCore;

    private static EchoCore edgeCore;

    private static TestGateway gatewayA;

    private static TestGateway gatewayB;

    private static TestGateway gatewayC;

    private static ObjectNode demoClientBefore;

    private final KeycloakServer keycloak;

    private final RedisServerFixture redis;

    RevocationIT(KeycloakServer keycloak, RedisServerFixture redis) {
        this.keycloak = keycloak;
        this.redis = redis;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak, RedisServerFixture redis) {
        microserviceCore = EchoCore.start("microservice-core", "127.0.0.1", 0);
        edgeCore = EchoCore.start("edge-core", "127.0.0.1", 0);
        gatewayA = TestGateway.start(properties(keycloak, redis));
        gatewayB = TestGateway.start(properties(keycloak, redis));
        demoClientBefore = demoClient(keycloak);
        ObjectNode client = demoClientBefore.deepCopy();
        ((ObjectNode) client.path("attributes"))
                .put(
                        "backchannel.logout.url",
                        "http://127.0.0.1:" + gatewayA.managementPort() + "/backchannel-logout/" + REALM)
                .put("backchannel.logout.session.required", "true");
        putDemoClient(keycloak, client);
    }

    @AfterAll
    static void stop(KeycloakServer keycloak, RedisServerFixture redis) {
        if (demoClientBefore != null) {
            putDemoClient(keycloak, demoClientBefore);
        }
        for (AutoCloseable closeable : new AutoCloseable[] {gatewayC, gatewayA, gatewayB, microserviceCore, edgeCore}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ex) {
                // the next one still closes
            }
        }
        RedisRevocationSharingIT.deleteSharedKeys(redis);
    }

    static Map<String, String> properties(KeycloakServer keycloak, RedisServerFixture redis) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("dualcore.auth.oidc.issuers[0].name", REALM);
        properties.put("dualcore.auth.oidc.issuers[0].issuer-uri", keycloak.issuerUri(REALM));
        properties.put("dualcore.auth.oidc.issuers[0].audiences", "dualcore-gateway");
        properties.put("dualcore.revocation.backchannel-logout.clients." + REALM, DEMO_CLIENT);
        properties.put("dualcore.redis.url", redis.uri());
        properties.put("dualcore.auth.oidc.issuers[1].name", "partners");
        properties.put("dualcore.auth.oidc.issuers[1].issuer-uri", keycloak.issuerUri("partners"));
        properties.put("dualcore.auth.oidc.issuers[1].audiences", "dualcore-gateway");
        // the route list replaces config/application.yml's, so every route it has a policy for comes too
        GatewayRoutes.into(properties)
                .add("public-health", microserviceCore.uri(), "/api/public/**")
                .add("microservice-admin", microserviceCore.uri(), "/api/admin/**")
                .add("partner-api", microserviceCore.uri(), "/api/partners/**")
                .add("microservice-core", microserviceCore.uri(), "/api/**")
                .add("edge-core", edgeCore.uri(), "/edge/**")
                .add("telemetry-edge", edgeCore.uri(), "/telemetry/edge/**")
                .add("telemetry-oidc", microserviceCore.uri(), "/telemetry/oidc/**");
        return properties;
    }

    @Test
    void keycloakAdminLogoutWhenAliceHasTwoSessionsThenBothCachedTokensRefusedOnBothGatewaysAndAFreshLoginWorks()
            throws Exception {
        // two devices, two Keycloak sessions: Keycloak's admin logout posts one logout token naming one of them
        // (keycloak#22914), so only the default scope (subject) takes the other device's token back too
        String laptop = this.keycloak
                .passwordTokens(REALM, DEMO_CLIENT, "alice", "alice-demo-password")
                .accessToken();
        String phone = this.keycloak
                .passwordTokens(REALM, DEMO_CLIENT, "alice", "alice-demo-password")
                .accessToken();
        // Keycloak 26 puts the session id in access tokens (the basic scope's sid mapper)
        String laptopSession = SignedJWT.parse(laptop).getJWTClaimsSet().getStringClaim("sid");
        assertThat(laptopSession).as("sid in the access token").isNotBlank();
        assertThat(SignedJWT.parse(phone).getJWTClaimsSet().getStringClaim("sid"))
                .as("a second session")
                .isNotEqualTo(laptopSession);
        for (String token : List.of(laptop, phone)) {
            assertThat(gatewayA.get("/api/orders", token).getStatusCode().value())
                    .isEqualTo(200);
            assertThat(gatewayA.get("/api/orders", token).getStatusCode().value())
                    .isEqualTo(200);
            assertThat(gatewayB.get("/api/orders", token).getStatusCode().value())
                    .isEqualTo(200);
        }

        String alice = this.keycloak
                .admin()
                .getJson("/admin/realms/" + REALM + "/users?exact=true&username=alice")
                .get(0)
                .path("id")
                .asString();
        assertThat(this.keycloak
                        .admin()
                        .post("/admin/realms/" + REALM + "/users/" + alice + "/logout", null)
                        .statusCode())
                .isEqualTo(204);
        long loggedOutBy = Instant.now().getEpochSecond();

        for (String token : List.of(laptop, phone)) {
            awaitRevoked(gatewayA, "/api/orders", token);
            awaitRevoked(gatewayB, "/api/orders", token);
        }

        // iat has one-second precision: a token of the logout's own second is refused as issued "up to the logout"
        await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().getEpochSecond() > loggedOutBy);
        String fresh = this.keycloak.passwordToken(REALM, DEMO_CLIENT, "alice", "alice-demo-password");
        assertThat(gatewayA.get("/api/orders", fresh).getStatusCode().value()).isEqualTo(200);
        assertThat(gatewayB.get("/api/orders", fresh).getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void endSessionWhenBobLogsOutThenHisTokenRefusedOnBothGateways() throws Exception {
        TokenResponse login = this.keycloak.passwordTokens(REALM, DEMO_CLIENT, "bob", "bob-demo-password");
        assertThat(gatewayB.get("/api/orders", login.accessToken())
                        .getStatusCode()
                        .value())
                .isEqualTo(200);

        String form = "client_id=" + DEMO_CLIENT + "&refresh_token="
                + URLEncoder.encode(login.refreshToken(), StandardCharsets.UTF_8);
        HttpResponse<String> logout = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create(this.keycloak.issuerUri(REALM) + "/protocol/openid-connect/logout"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(logout.statusCode()).isEqualTo(204);

        awaitRevoked(gatewayA, "/api/orders", login.accessToken());
        awaitRevoked(gatewayB, "/api/orders", login.accessToken());
    }

    @Test
    void cliRevokeWhenDeviceRevokedThenAllItsTokensRefusedOnBothGatewaysUntilLifted() {
        String first = TestTokens.demoEdge().claim("device_id", "sensor-9").sign();
        String second = TestTokens.demoEdge().claim("device_id", "sensor-9").sign();
        String other = TestTokens.demoEdge().claim("device_id", "sensor-10").sign();
        assertThat(gatewayA.get("/edge/telemetry", first).getStatusCode().value())
                .isEqualTo(200);
        assertThat(gatewayB.get("/edge/telemetry", first).getStatusCode().value())
                .isEqualTo(200);

        Cli added = cli(
                "revoke",
                "add",
                "--device",
                "sensor-9",
                "--ttl",
                "10m",
                "--admin-sub",
                "ops-oncall",
                "--gateway",
                "http://127.0.0.1:" + gatewayA.managementPort());
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).contains("\"actor\":\"ops-oncall\"");

        awaitRevoked(gatewayA, "/edge/telemetry", first);
        awaitRevoked(gatewayB, "/edge/telemetry", first);
        assertThat(gatewayA.get("/edge/telemetry", second).getStatusCode().value())
                .isEqualTo(401);
        assertThat(gatewayB.get("/edge/telemetry", second).getStatusCode().value())
                .isEqualTo(401);
        assertThat(gatewayB.get("/edge/telemetry", other).getStatusCode().value())
                .isEqualTo(200);

        Cli listed = cli("revoke", "list", "--gateway", "http://127.0.0.1:" + gatewayB.managementPort());
        assertThat(listed.exit()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("sensor-9");

        // a gateway started now loads the revocation from Redis before its first request (closed with the others:
        // closing one gateway of this JVM early stops the shared Reactor Netty resources of the rest)
        gatewayC = TestGateway.start(properties(this.keycloak, this.redis));
        assertRevoked(gatewayC.get("/edge/telemetry", first));

        Cli lifted = cli(
                "revoke", "lift", "--device", "sensor-9", "--gateway", "http://127.0.0.1:" + gatewayB.managementPort());
        assertThat(lifted.exit()).as(lifted.err()).isZero();
        await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(gatewayA.get("/edge/telemetry", first).getStatusCode().value())
                    .isEqualTo(200);
            assertThat(gatewayB.get("/edge/telemetry", second).getStatusCode().value())
                    .isEqualTo(200);
        });
    }

    @Test
    void adminEndpointWhenNoAdminTokenThenRefusedAndNothingRevoked() {
        Cli refused = cli(
                "revoke",
                "add",
                "--device",
                "sensor-11",
                "--token",
                TestTokens.demoEdge().claim("roles", List.of("user")).sign(),
                "--gateway",
                "http://127.0.0.1:" + gatewayA.managementPort());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("403");
        assertThat(gatewayA.bean(RevocationList.class).get(Revocation.Kind.DEVICE, "edge", "sensor-11"))
                .isNull();
    }

    private static void awaitRevoked(TestGateway gateway, String path, String token) {
        try {
            await().atMost(PROPAGATION)
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertRevoked(gateway.get(path, token)));
        } catch (ConditionTimeoutException ex) {
            // what this gateway knows of revocations: did a logout token arrive, was it accepted, did Redis sync?
            String metrics = gateway.management("/actuator/prometheus").getBody();
            List<String> revocationLines = (metrics == null)
                    ? List.of()
                    : metrics.lines()
                            .filter(line ->
                                    line.startsWith("dualcore_backchannel") || line.startsWith("dualcore_revocations"))
                            .toList();
            throw new AssertionError(
                    "not refused within " + PROPAGATION + " on the gateway at management port "
                            + gateway.managementPort() + "; its revocation metrics: " + revocationLines,
                    ex);
        }
    }

    private static void assertRevoked(ResponseEntity<String> response) {
        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(response.getBody()).contains("\"code\":\"token_revoked\"");
        assertThat(response.getHeaders().getFirst("WWW-Authenticate")).contains("invalid_token");
    }

    private static ObjectNode demoClient(KeycloakServer keycloak) {
        JsonNode found = keycloak.admin().getJson("/admin/realms/" + REALM + "/clients?clientId=" + DEMO_CLIENT);
        return (ObjectNode) found.get(0);
    }

    private static void putDemoClient(KeycloakServer keycloak, ObjectNode client) {
        int status = keycloak.admin()
                .put("/admin/realms/" + REALM + "/clients/" + client.path("id").asString(), client)
                .statusCode();
        assertThat(status).as("client updated").isEqualTo(204);
    }

    private record Cli(int exit, String out, String err) {}

    private static Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // the command line as GatewayCli.run builds it, without resetting this test JVM's logging
        int exit = new CommandLine(new GatewayCli())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }
}
