package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The identity header prefix and the credential strip list change live under steady traffic whose every request
 * carries forged identity headers in both prefixes and a credential header only the second generation strips. What
 * the echo upstream receives must be one generation's hand-over entirely (told by the generation header the route of
 * that generation adds): generation 1 names identity headers {@code X-Auth-*}; generation 2 names them {@code X-Id-*},
 * strips {@code X-Legacy-Secret}, and no client header of either prefix reaches the upstream; generation 3 goes back
 * to {@code X-Auth-*} and still strips the retired {@code X-Id-*}.
 */
class LiveIdentityReloadIT {

    private static final Duration EFFECT = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final EchoCore CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    @TempDir
    static Path directory;

    static Path file;

    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        file = directory.resolve("live.yml");
        Files.writeString(file, generation(1, "X-Auth-", false));
        gateway = TestGateway.start(Map.of(
                "spring.config.location", "file:" + file, "CORE_URI", CORE.uri(), "dualcore.reload.debounce", "50ms"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        CORE.close();
    }

    @Test
    void reloadWhenPrefixAndStripListChangeUnderTrafficThenEveryRequestGetsOneGenerationsHandOverAndNoForgedIdentity()
            throws Exception {
        WebClient client = TestClients.webClient(gateway.port());
        String token = TestTokens.demoEdge().sign();
        String subject = SignedJWT.parse(token).getJWTClaimsSet().getSubject();
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger[] seen = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        Thread traffic = new Thread(
                () -> {
                    while (running.get()) {
                        try {
                            ResponseEntity<String> response = TestClients.await(client.get()
                                    .uri("/api/orders/1")
                                    .header("Authorization", "Bearer " + token)
                                    .header("X-Auth-Subject", "forged")
                                    .header("X_Id_Subject", "forged")
                                    .header("X-Id-Roles", "admin")
                                    .header("X-Legacy-Secret", "s3cret")
                                    .exchangeToMono(answer -> answer.toEntity(String.class)));
                            if (response.getStatusCode().value() != 200) {
                                failures.add(response.getStatusCode() + " " + response.getBody());
                                continue;
                            }
                            String problem = check(response.getBody(), subject, seen);
                            if (problem != null) {
                                failures.add(problem);
                            }
                        } catch (RuntimeException ex) {
                            failures.add(ex.toString());
                        }
                    }
                },
                "live-identity-traffic");
        traffic.start();
        try {
            awaitSeen(seen, 1, failures);
            Files.writeString(file, generation(2, "X-Id-", true));
            awaitSeen(seen, 2, failures);
            Files.writeString(file, generation(3, "X-Auth-", false));
            awaitSeen(seen, 3, failures);
        } finally {
            running.set(false);
            traffic.join(EFFECT.toMillis());
        }
        assertThat(failures).isEmpty();
        String health = gateway.management("/actuator/health/configuration").getBody();
        assertThat(health)
                .contains("dualcore.identity.header-prefix")
                .contains("dualcore.credentials")
                .doesNotContain("s3cret");
    }

    /**
     * Waits until a few requests of the generation went through (the traffic keeps running meanwhile), or a request
     * failed.
     */
    private static void awaitSeen(AtomicInteger[] seen, int generation, ConcurrentLinkedQueue<String> failures) {
        int before = seen[generation].get();
        await().atMost(EFFECT).until(() -> !failures.isEmpty() || seen[generation].get() >= before + 5);
        assertThat(failures).isEmpty();
    }

    /** What is wrong with what the upstream received, or {@code null}; counts the generation seen. */
    private static String check(String body, String subject, AtomicInteger[] seen) {
        JsonNode headers = JSON.readTree(body).get("headers");
        Map<String, List<String>> received = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.properties().forEach(header -> {
            List<String> values = new ArrayList<>();
            header.getValue().forEach(value -> values.add(value.asString()));
            received.put(header.getKey(), values);
        });
        List<String> generations = received.get("X-Generation");
        if (generations == null || generations.size() != 1) {
            return "no single generation: " + received.keySet();
        }
        int generation = Integer.parseInt(generations.get(0));
        String own = (generation == 2) ? "x-id-" : "x-auth-";
        String other = (generation == 2) ? "x-auth-" : "x-id-";
        List<String> subjects = received.get(own + "subject");
        if (subjects == null || subjects.size() != 1 || !subjects.get(0).contains(subject)) {
            return "generation " + generation + ": " + own + "subject is " + subjects;
        }
        if (received.get(own + "roles") != null && received.get(own + "roles").contains("admin")) {
            return "generation " + generation + ": a forged role reached the upstream";
        }
        for (String name : received.keySet()) {
            String folded = name.toLowerCase(Locale.ROOT).replace('_', '-');
            if (generation != 1 && folded.startsWith(other)) {
                // generation 2 retired x-auth-, generation 3 retired x-id-: both stay reserved
                return "generation " + generation + ": the client's " + name + " reached the upstream";
            }
        }
        boolean secret = received.containsKey("X-Legacy-Secret");
        if (secret != (generation != 2)) {
            return "generation " + generation + ": X-Legacy-Secret " + (secret ? "forwarded" : "stripped");
        }
        seen[generation].incrementAndGet();
        return null;
    }

    private static String generation(int generation, String prefix, boolean stripLegacy) {
        String strip = stripLegacy ? "\n    strip-headers: [X-Legacy-Secret, X-Api-Key]" : "";
        return """
                management:
                  endpoints.web.exposure.include: health,prometheus
                  endpoint.health.show-details: always
                dualcore:
                  identity:
                    header-prefix: %s
                  credentials:
                    strip-jwt-headers: true%s
                  auth:
                    edge:
                      issuer: dualcore-edge
                      audiences: [dualcore-gateway]
                      keys:
                        - {kid: edge-demo-1, algorithm: HS256, secret: "%s"}
                  routes:
                    orders: {access: {modes: [edge]}}
                spring.cloud.gateway.server.webflux.routes:
                  - id: orders
                    uri: ${CORE_URI}
                    predicates: [Path=/api/orders/**]
                    filters: ["AddRequestHeader=X-Generation, %d"]
                """.formatted(prefix, strip, TestTokens.DEMO_EDGE_KEY_BASE64, generation);
    }
}
