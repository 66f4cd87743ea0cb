package io.dualcore.gateway.auth.edge;

import static io.dualcore.gateway.auth.edge.EdgeKeyDirectory.keyFile;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Edge keys from a key directory on a running gateway, updated the way Kubernetes updates a mounted Secret (a new
 * {@code ..data} symlink swapped in): a key added is accepted without a restart, a key removed is refused at the next
 * reload (its cached tokens too), a bad change is refused while the previous ring keeps serving, and readiness shows
 * the ring's version and the last reload.
 */
class EdgeKeyDirectoryIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final byte[] SECRET_1 = TestChain.randomBytes(32);

    private static final byte[] SECRET_2 = TestChain.randomBytes(48);

    /** The shipped inline key's secret, overridden as a deployment must (the published demo key degrades readiness). */
    private static final byte[] INLINE_SECRET = TestChain.randomBytes(32);

    private static EchoCore core;

    @TempDir
    Path keys;

    @BeforeAll
    static void startCore() {
        core = EchoCore.start("core", "127.0.0.1", 0);
    }

    @AfterAll
    static void stopCore() {
        core.close();
    }

    private Map<String, String> gatewayProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        // one OIDC issuer nobody answers for: this test is about edge keys only
        properties.put("dualcore.auth.oidc.issuers[0].name", "nowhere");
        properties.put("dualcore.auth.oidc.issuers[0].issuer-uri", "http://127.0.0.1:9/realms/nowhere");
        properties.put("dualcore.auth.oidc.issuers[0].audiences", "dualcore-gateway");
        properties.put("EDGE_HMAC_DEMO_KEY", TestChain.base64(INLINE_SECRET));
        properties.put("dualcore.auth.edge.key-directory", this.keys.toString());
        // the watch service normally answers at once; the re-scan is the fallback
        properties.put("dualcore.auth.edge.key-directory-rescan", "2s");
        return properties;
    }

    private static String token(String kid, byte[] secret, JWSAlgorithm algorithm) {
        return TestTokens.edge(kid, secret, algorithm, "dualcore-edge").sign();
    }

    private static String code(ResponseEntity<String> response) {
        return response.getStatusCode().value() + " "
                + (response.getBody() == null
                        ? ""
                        : JSON.readTree(response.getBody()).path("code").asString(""));
    }

    private static JsonNode edgeKeysHealth(TestGateway gateway) {
        return JSON.readTree(gateway.management("/actuator/health/readiness").getBody())
                .path("components")
                .path("edgeKeys");
    }

    private static void await(String what, Supplier<Boolean> condition) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(condition::get);
    }

    @Test
    void keyDirectoryWhenSecretUpdatedThenRingReloadedWithoutRestart() throws Exception {
        EdgeKeyDirectory secret = new EdgeKeyDirectory(this.keys);
        secret.update(Map.of("k1.properties", keyFile("k1", "HS256", SECRET_1)));
        try (TestGateway gateway = TestGateway.start(gatewayProperties())) {
            String k1 = token("k1", SECRET_1, JWSAlgorithm.HS256);
            String k2 = token("k2", SECRET_2, JWSAlgorithm.HS384);
            String inline = token("edge-demo-1", INLINE_SECRET, JWSAlgorithm.HS256);
            assertThat(code(gateway.get("/edge/telemetry", k1))).isEqualTo("200 ");
            assertThat(code(gateway.get("/edge/telemetry", inline)))
                    .as("inline keys keep working")
                    .isEqualTo("200 ");
            assertThat(code(gateway.get("/edge/telemetry", k2))).isEqualTo("401 unknown_key");
            JsonNode health = edgeKeysHealth(gateway);
            assertThat(health.path("status").asString()).isEqualTo("UP");
            assertThat(health.path("details").path("version").asLong()).isEqualTo(1);

            // add a key: its tokens are accepted without a restart
            secret.update(Map.of(
                    "k1.properties", keyFile("k1", "HS256", SECRET_1),
                    "k2.properties", keyFile("k2", "HS384", SECRET_2)));
            await(
                    "k2 is accepted",
                    () -> code(gateway.get("/edge/telemetry", k2)).equals("200 "));
            assertThat(edgeKeysHealth(gateway).path("details").path("version").asLong())
                    .isEqualTo(2);

            // remove a key: its tokens (cached ones included) are refused from the next reload on
            secret.update(Map.of("k2.properties", keyFile("k2", "HS384", SECRET_2)));
            await(
                    "k1 is refused",
                    () -> code(gateway.get("/edge/telemetry", k1)).equals("401 unknown_key"));
            assertThat(edgeKeysHealth(gateway).path("details").path("version").asLong())
                    .as("refused within one reload")
                    .isEqualTo(3);

            // a bad change is refused, and the previous ring keeps serving
            secret.update(Map.of(
                    "k2.properties", keyFile("k2", "HS384", SECRET_2),
                    "k3.properties", keyFile("k3", "HS256", new byte[12])));
            await(
                    "the bad change is refused",
                    () -> edgeKeysHealth(gateway)
                            .path("details")
                            .path("lastReload")
                            .path("result")
                            .asString()
                            .equals("refused"));
            JsonNode refused = edgeKeysHealth(gateway);
            assertThat(refused.path("status").asString()).isEqualTo("DEGRADED");
            assertThat(refused.path("details").path("version").asLong()).isEqualTo(3);
            assertThat(refused.path("details")
                            .path("lastReload")
                            .path("message")
                            .asString())
                    .contains("k3.properties")
                    .contains("12 bytes");
            assertThat(code(gateway.get("/edge/telemetry", k2))).isEqualTo("200 ");
            assertThat(code(gateway.get("/edge/telemetry", inline))).isEqualTo("200 ");
            assertThat(gateway.management("/actuator/prometheus").getBody())
                    .containsPattern("dualcore_edge_keys_reloads_total\\{[^}]*result=\"refused\"[^}]*} 1\\.0")
                    .containsPattern("dualcore_edge_keys_version(\\{[^}]*})? 3\\.0");
            assertThat(gateway.management("/actuator/health/readiness")
                            .getStatusCode()
                            .value())
                    .as("a refused change does not take the gateway out of service")
                    .isEqualTo(200);
        }
    }
}
