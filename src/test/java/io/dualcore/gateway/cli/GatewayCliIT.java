package io.dualcore.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.edge.EdgeKeyFiles;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.dualcore.gateway.testsupport.keycloak.TokenResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin command line run from the packaged jar ({@code java -jar target/dualcore-gateway.jar ...}, built in the
 * {@code package} phase before the integration tests), reading the shipped {@code config/application.yml} as the
 * gateway does. {@code token inspect} gives the same verdict and code as a running gateway with the same
 * configuration, for real Keycloak tokens and for forged and broken ones.
 */
@ExtendWith(KeycloakExtension.class)
class GatewayCliIT {

    private static final Path JAR = Path.of("target", "dualcore-gateway.jar");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static EchoCore core;

    private final KeycloakServer keycloak;

    @TempDir
    Path temp;

    GatewayCliIT(KeycloakServer keycloak) {
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

    record Result(int exit, String out, String err) {}

    /** Runs the jar with these arguments in the project directory, with the environment of the demo stack. */
    private Result cli(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("KEYCLOAK_URL", this.keycloak.baseUrl().toString());
        builder.environment()
                .put("OIDC_ISSUER_BASE_URL", this.keycloak.baseUrl().toString());
        builder.environment().remove("SPRING_CONFIG_LOCATION");
        Path out = this.temp.resolve("out-" + UUID.randomUUID());
        Path err = this.temp.resolve("err-" + UUID.randomUUID());
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
        }
        process.getOutputStream().close();
        assertThat(process.waitFor(120, TimeUnit.SECONDS))
                .as("the CLI finished")
                .isTrue();
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Map<String, String> gatewayProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        properties.put("KEYCLOAK_URL", this.keycloak.baseUrl().toString());
        properties.put("OIDC_ISSUER_BASE_URL", this.keycloak.baseUrl().toString());
        return properties;
    }

    @Test
    void keysGenerateWhenOutDirectoryThenKeyFileTheRingReads() throws Exception {
        Path keys = this.temp.resolve("keys");

        Result result =
                cli(null, "keys", "generate", "--alg", "HS384", "--kid", "edge-test-1", "--out", keys.toString());

        assertThat(result.exit()).as(result.err()).isZero();
        EdgeKeyFiles.Snapshot files = EdgeKeyFiles.read(keys).valid();
        assertThat(files.keys()).singleElement().satisfies(key -> {
            assertThat(key.kid()).isEqualTo("edge-test-1");
            assertThat(key.algorithm()).isEqualTo("HS384");
            assertThat(Base64.getDecoder().decode(key.secret())).hasSize(48);
        });
        assertThat(EdgeKeyRing.of(files.keys(), files.origins()).keyIds()).containsExactly("edge-test-1");
        assertThat(result.out()).doesNotContain(files.keys().get(0).secret());

        Result printed = cli(null, "keys", "generate");
        assertThat(printed.exit()).isZero();
        AuthProperties.EdgeKey key = EdgeKeyFiles.parse(printed.out(), "stdout");
        assertThat(Base64.getDecoder().decode(key.secret())).hasSize(32);
        assertThat(key.kid()).startsWith("edge-");

        Result yaml = cli(null, "keys", "generate", "--alg", "HS512", "--kid", "k9", "--yaml");
        assertThat(yaml.out()).contains("- kid: k9", "algorithm: HS512", "secret: ${EDGE_KEY_K9}", "EDGE_KEY_K9=");
    }

    @Test
    void tokenMintWhenConfiguredKeyThenGatewayAcceptsAndTtlAboveMaximumRefused() throws Exception {
        Result minted = cli(
                null,
                "token",
                "mint",
                "--sub",
                "sensor-7",
                "--device-id",
                "sensor-7",
                "--roles",
                "telemetry",
                "--scope",
                "telemetry.write",
                "--ttl",
                "2m");
        assertThat(minted.exit()).as(minted.err()).isZero();
        String token = minted.out().strip();

        try (TestGateway gateway = TestGateway.start(gatewayProperties())) {
            ResponseEntity<String> response = gateway.get("/edge/telemetry", token);
            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        }
        Map<?, ?> claims = JSON.readValue(Base64.getUrlDecoder().decode(token.split("\\.")[1]), Map.class);
        assertThat(claims.get("sub")).isEqualTo("sensor-7");
        assertThat(claims.get("device_id")).isEqualTo("sensor-7");
        assertThat(claims.get("iss")).isEqualTo("dualcore-edge");

        Result tooLong = cli(null, "token", "mint", "--sub", "sensor-7", "--ttl", "1h");
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err()).contains("dualcore.auth.edge.max-lifetime");
        assertThat(tooLong.out()).isEmpty();
    }

    @Test
    void tokenInspectWhenGoodAndBadTokensThenSameVerdictAndCodeAsGateway() throws Exception {
        String issuer = this.keycloak.issuerUri("dualcore");
        byte[] demoKey = TestTokens.demoEdgeKey();
        TokenResponse alice = this.keycloak.passwordTokens("dualcore", "dualcore-demo", "alice", "alice-demo-password");
        String service =
                this.keycloak.clientCredentialsToken("dualcore", "dualcore-service", "dualcore-service-demo-secret");
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("service account token", service);
        tokens.put("alice's token", alice.accessToken());
        tokens.put("bob's token", this.keycloak.passwordToken("dualcore", "dualcore-demo", "bob", "bob-demo-password"));
        tokens.put(
                "partners token",
                this.keycloak.clientCredentialsToken("partners", "partners-service", "partners-service-demo-secret"));
        tokens.put(
                "carol's token",
                this.keycloak.passwordToken("partners", "partners-demo", "carol", "carol-demo-password"));
        tokens.put("ID token", alice.idToken());
        tokens.put("refresh token", alice.refreshToken());
        tokens.put("tampered Keycloak token", tamper(service));
        tokens.put(
                "Keycloak token with an unknown kid",
                TestTokens.oidc(TestTokens.rsaKey("x"), issuer)
                        .header(h -> h.keyID(UUID.randomUUID().toString()))
                        .sign());
        tokens.put(
                "untrusted issuer",
                TestTokens.oidc(TestTokens.rsaKey("x"), "http://127.0.0.1:9/realms/evil")
                        .sign());
        tokens.put(
                "HS256 for a realm",
                TestTokens.edge("edge-demo-1", demoKey, JWSAlgorithm.HS256, issuer)
                        .sign());
        tokens.put("edge token", TestTokens.demoEdge().sign());
        tokens.put(
                "edge token with roles",
                TestTokens.demoEdge().claim("roles", List.of("a", "b")).sign());
        tokens.put(
                "expired edge token",
                TestTokens.demoEdge()
                        .time("iat", Instant.now().minusSeconds(600))
                        .time("exp", Instant.now().minusSeconds(300))
                        .sign());
        tokens.put(
                "edge token living too long",
                TestTokens.demoEdge()
                        .time("exp", Instant.now().plusSeconds(3600))
                        .sign());
        tokens.put(
                "edge token without jti", TestTokens.demoEdge().without("jti").sign());
        tokens.put(
                "edge token for another audience",
                TestTokens.demoEdge().claim("aud", "elsewhere").sign());
        tokens.put(
                "edge token with a wrong key",
                TestTokens.edge("edge-demo-1", TestChain.randomBytes(32), JWSAlgorithm.HS256, "dualcore-edge")
                        .sign());
        tokens.put(
                "edge token with an unknown kid",
                TestTokens.edge("edge-nope", demoKey, JWSAlgorithm.HS256, "dualcore-edge")
                        .sign());
        tokens.put(
                "edge token signed HS512",
                TestTokens.edge("edge-demo-1", TestChain.randomBytes(64), JWSAlgorithm.HS512, "dualcore-edge")
                        .sign());
        tokens.put("alg none", unsigned(TestTokens.demoEdge().sign()));
        tokens.put("not a JWT", "not-a-jwt");
        tokens.put("two parts", "eyJhbGciOiJIUzI1NiJ9.e30");

        List<String> expected = new ArrayList<>();
        try (TestGateway gateway = TestGateway.start(gatewayProperties())) {
            for (String token : tokens.values()) {
                ResponseEntity<String> response = gateway.get("/api/public/health", token);
                expected.add(
                        response.getStatusCode().value() == 200
                                ? "accepted"
                                : "refused " + response.getStatusCode().value() + " "
                                        + JSON.readTree(response.getBody())
                                                .path("code")
                                                .asString());
            }
        }
        // every token through one start of the command line (one token per line on stdin)
        Result inspected = cli(String.join("\n", tokens.values()) + "\n", "token", "inspect", "-");
        List<String> verdicts = inspected
                .out()
                .lines()
                .filter(line -> line.startsWith("verdict"))
                .map(line -> line.substring("verdict".length()).strip())
                .map(line -> line.indexOf(':') < 0 ? line : line.substring(0, line.indexOf(':')))
                .toList();
        assertThat(verdicts).as(inspected.err()).hasSize(tokens.size());
        List<String> names = new ArrayList<>(tokens.keySet());
        for (int i = 0; i < names.size(); i++) {
            assertThat(verdicts.get(i)).as(names.get(i)).isEqualTo(expected.get(i));
        }
        assertThat(inspected.exit()).isEqualTo(1);
        assertThat(expected.stream().filter("accepted"::equals).count())
                .as("accepted tokens among them")
                .isBetween(5L, tokens.size() - 10L);
        assertThat(inspected.out()).doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64);

        Result single = cli(null, "token", "inspect", tokens.get("edge token with an unknown kid"));
        assertThat(single.exit()).isEqualTo(1);
        assertThat(single.out()).contains("verdict  refused 401 unknown_key: ");

        Result bob = cli(
                this.keycloak.passwordToken("dualcore", "dualcore-demo", "bob", "bob-demo-password"),
                "token",
                "inspect",
                "-");
        assertThat(bob.out()).containsPattern("microservice-admin\\s+Path=/api/admin/\\*\\*\\s+allowed");
        assertThat(bob.out()).containsPattern("edge-core\\s+.*denied 403 mode_not_allowed");
        Result aliceRoutes = cli(null, "token", "inspect", alice.accessToken());
        assertThat(aliceRoutes.out()).containsPattern("microservice-admin\\s+.*denied 403 insufficient_role");
        assertThat(aliceRoutes.out()).containsPattern("microservice-core\\s+.*allowed");
    }

    private static String tamper(String token) {
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"sub\":\"", "\"sub\":\"x");
        return parts[0] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + parts[2];
    }

    private static String unsigned(String token) {
        String[] parts = token.split("\\.");
        return Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[1] + ".";
    }

    @Test
    void configCheckWhenSeededProblemsThenAllReportedInOneRun() throws Exception {
        Path bad = this.temp.resolve("bad.yml");
        Files.writeString(bad, """
                spring:
                  cloud:
                    gateway:
                      server:
                        webflux:
                          routes:
                            - id: core
                              uri: http://127.0.0.1:9
                              predicates: [Path=/api/**]
                            - id: forgotten
                              uri: http://127.0.0.1:9
                              predicates: [Path=/other/**]
                dualcore:
                  routes:
                    core:
                      access:
                        modes: [oidc]
                        any-role: ["", admin]
                      rate-limit:
                        oidc: no-such-plan
                      forward-credentials:
                        headers: [Authorization]
                    ghost:
                      access:
                        modes: [edge]
                  auth:
                    oidc:
                      issuers:
                        - name: realm-without-audience
                          issuer-uri: http://127.0.0.1:9/realms/a
                        - name: symmetric
                          issuer-uri: http://127.0.0.1:9/realms/b
                          audiences: [gw]
                          algorithms: [HS256]
                          jwks:
                            cache-ttl: 10s
                            refresh-ahead: 9s
                    edge:
                      issuer: dualcore-edge
                      audiences: [gw]
                      keys:
                        - kid: short
                          secret: c2hvcnQ=
                        - kid: not-base64
                          secret: "***"
                """);

        Result result = cli(null, "config", "check", "--offline", bad.toString());

        assertThat(result.exit()).as(result.out() + result.err()).isEqualTo(1);
        assertThat(result.out())
                .contains("dualcore.auth.oidc.issuers[0].audiences: is empty; list the aud values")
                .contains("dualcore.auth.oidc.issuers[1].algorithms (symmetric): HS256 is not an asymmetric")
                .contains("jwks.refresh-ahead")
                .contains("dualcore.auth.edge.keys[0] (kid=short): the secret is 5 bytes")
                .contains("dualcore.auth.edge.keys[1] (kid=not-base64): the secret is not valid base64")
                .contains("dualcore.routes.ghost: no route has the id 'ghost'")
                .contains("dualcore.routes.core.access.any-role contains an empty entry")
                .contains("dualcore.routes.core.rate-limit.oidc: unknown plan 'no-such-plan'")
                .contains("no dualcore.routes.forgotten.access")
                .contains("dualcore.routes.core.forward-credentials.headers: 'Authorization' has its own rule")
                .contains("9 error(s)");

        Result shipped = cli(null, "config", "check");
        assertThat(shipped.exit()).as(shipped.out() + shipped.err()).isZero();
        assertThat(shipped.out()).contains("0 error(s), 0 warning(s)");

        Path mismatch = this.temp.resolve("mismatch.yml");
        Files.writeString(mismatch, """
                dualcore:
                  auth:
                    oidc:
                      issuers:
                        - name: dualcore
                          issuer-uri: http://gateway.example/realms/dualcore
                          metadata-uri: %s/realms/dualcore/.well-known/openid-configuration
                          audiences: [dualcore-gateway]
                        - name: gone
                          issuer-uri: http://127.0.0.1:9/realms/gone
                          audiences: [dualcore-gateway]
                """.formatted(this.keycloak.baseUrl()));
        Result warned = cli(null, "config", "check", mismatch.toString());
        assertThat(warned.exit()).isZero();
        assertThat(warned.out())
                .contains("WARN  realm dualcore: the discovery document names issuer '"
                        + this.keycloak.issuerUri("dualcore"))
                .contains(
                        "WARN  realm gone: discovery document http://127.0.0.1:9/realms/gone/.well-known/openid-configuration unreachable");
    }

    @Test
    void realmAddWhenRealmExportThenIssuerBlock() throws Exception {
        Result result = cli(null, "realm", "add", "--from", "realm-export/dualcore-realm.json");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out())
                .contains("- name: dualcore")
                .contains("issuer-uri: ${OIDC_ISSUER_BASE_URL:http://localhost:8180}/realms/dualcore")
                .contains(
                        "metadata-uri: ${KEYCLOAK_URL:http://localhost:8180}/realms/dualcore/.well-known/openid-configuration")
                .contains("audiences: [dualcore-gateway]")
                .contains("role-clients: [dualcore-gateway]")
                .contains("# authorized-parties: [dualcore-demo, dualcore-service]");

        Result partners = cli(null, "realm", "add", "--from", "realm-export/partners-realm.json");
        assertThat(partners.out()).contains("- name: partners").contains("audiences: [dualcore-gateway]");
    }

    @Test
    void cliWhenStartedThenNoWebServerAndFastStartup() throws Exception {
        long started = System.nanoTime();
        Result help = cli(null, "--help");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("keys", "token", "config", "realm");
        assertThat(help.out() + help.err()).doesNotContain("Netty started", "Started DualcoreGatewayApplication");
        System.out.println("CLI --help wall time: " + elapsed.toMillis() + " ms");
    }
}
