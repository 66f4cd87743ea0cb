package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.LocalJwks;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A gateway whose only configuration file ({@code spring.config.location}) is rewritten 50 times under steady
 * traffic: each generation renames the traffic's route (so a request that matched a new route against an old policy,
 * or the reverse, would be refused 403 {@code no_route_policy}) and tags it with its generation; policies and plans
 * change on the way (a route's {@code dpop} too), a realm is added on every even generation and removed on every odd
 * one, broken candidates are refused while the previous generation keeps serving, and the bucket of an unchanged plan
 * and the JWKS cache of an unchanged realm survive every reload (shown by counts).
 */
class LiveReloadIT {

    private static final Duration EFFECT = Duration.ofSeconds(30);

    private static final Pattern REMAINING = Pattern.compile(";r=(\\d+);");

    private static final EchoCore CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    /** The realm trusted in every generation. */
    private static final RSAKey STABLE_KEY = TestTokens.rsaKey("live-reload-stable");

    /** The realm added on even generations and removed on odd ones. */
    private static final RSAKey TOGGLED_KEY = TestTokens.rsaKey("live-reload-toggled");

    static LocalJwks stable;

    static LocalJwks toggled;

    @TempDir
    static Path directory;

    static Path file;

    static TestGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        stable = LocalJwks.serve(STABLE_KEY);
        toggled = LocalJwks.serve(TOGGLED_KEY);
        file = directory.resolve("live.yml");
        Files.writeString(file, generation(1, Variant.VALID));
        gateway = TestGateway.start(Map.of(
                "spring.config.location", "file:" + file, "CORE_URI", CORE.uri(), "dualcore.reload.debounce", "50ms"));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        CORE.close();
        stable.close();
        toggled.close();
    }

    @Test
    void rewriteWhenFiftyGenerationsUnderTrafficThenNoRequestFailsAndEachTakesEffect() throws Exception {
        WebClient client = TestClients.webClient(gateway.port());
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger lastGeneration = new AtomicInteger(1);
        Thread traffic = new Thread(
                () -> {
                    while (running.get()) {
                        ResponseEntity<String> response;
                        try {
                            response = TestClients.await(client.get()
                                    .uri("/api/orders/1")
                                    .header(
                                            "Authorization",
                                            "Bearer " + TestTokens.demoEdge().sign())
                                    .exchangeToMono(answer -> answer.toEntity(String.class)));
                        } catch (RuntimeException ex) {
                            failures.add(ex.toString());
                            continue;
                        }
                        requests.incrementAndGet();
                        if (response.getStatusCode().value() != 200) {
                            failures.add(response.getStatusCode() + " " + response.getBody());
                            continue;
                        }
                        int seen = generationOf(response.getBody());
                        if (seen < lastGeneration.get()) {
                            failures.add("generation went back from " + lastGeneration.get() + " to " + seen);
                        }
                        lastGeneration.set(seen);
                    }
                },
                "live-reload-traffic");
        traffic.start();
        int counted = remaining(get("/api/counted/1"));
        // one token of the stable realm for the whole run: its JWKS and its cached verification must survive
        String stableToken = TestTokens.oidc(STABLE_KEY, stable.issuer("stable"))
                .claim("sub", "alice")
                .sign();
        String toggledToken = TestTokens.oidc(TOGGLED_KEY, toggled.issuer("toggled"))
                .claim("sub", "bob")
                .sign();
        assertThat(gateway.get("/api/realms/1", stableToken).getStatusCode().value())
                .isEqualTo(200);
        int stableFetches = stable.fetches();
        try {
            for (int generation = 2; generation <= 50; generation++) {
                if (generation % 10 == 0) {
                    refuseBroken(generation);
                }
                Files.writeString(file, generation(generation, Variant.VALID));
                int expected = generation;
                await().atMost(EFFECT)
                        .until(() -> generationOf(get("/api/orders/1").getBody()) == expected);
                // the policy of /api/guarded flips every generation: edge allowed on even generations only
                assertThat(get("/api/guarded/1").getStatusCode().value()).isEqualTo(generation % 2 == 0 ? 200 : 403);
                // the route DPoP of /api/proof is required on even generations: a Bearer token is then refused
                ResponseEntity<String> proof = get("/api/proof/1");
                if (generation % 2 == 0) {
                    assertThat(proof.getStatusCode().value()).isEqualTo(401);
                    assertThat(proof.getBody()).contains("dpop_required");
                    assertThat(proof.getHeaders().get("WWW-Authenticate")).anyMatch(c -> c.startsWith("DPoP "));
                } else {
                    assertThat(proof.getStatusCode().value()).isEqualTo(200);
                }
                // the plan of /api/swapped swaps every generation
                assertThat(get("/api/swapped/1").getHeaders().getFirst("RateLimit"))
                        .startsWith(generation % 2 == 0 ? "\"even\"" : "\"odd\"");
                // the realm "toggled" is trusted on even generations only; "stable" always, from its first key fetch
                assertThat(gateway.get("/api/realms/1", stableToken)
                                .getStatusCode()
                                .value())
                        .isEqualTo(200);
                ResponseEntity<String> toggledAnswer = gateway.get("/api/realms/1", toggledToken);
                if (generation % 2 == 0) {
                    assertThat(toggledAnswer.getStatusCode().value())
                            .as(toggledAnswer.getBody())
                            .isEqualTo(200);
                } else {
                    assertThat(toggledAnswer.getStatusCode().value()).isEqualTo(401);
                    assertThat(toggledAnswer.getBody()).contains("untrusted_issuer");
                }
                // the plan of /api/counted never changes: its bucket keeps counting across every reload
                int now = remaining(get("/api/counted/1"));
                assertThat(now).isEqualTo(counted - 1);
                counted = now;
            }
        } finally {
            running.set(false);
            traffic.join(EFFECT.toMillis());
        }
        assertThat(failures).isEmpty();
        assertThat(requests.get()).isGreaterThan(50);
        // 49 reloads, the stable realm's keys fetched no more than once since its first token (a refresh-ahead may
        // fetch once): an unchanged issuer keeps its verifier and its JWKS cache
        assertThat(stable.fetches() - stableFetches).isLessThanOrEqualTo(1);
        // the toggled realm: fetched again after each re-add (a removed issuer's verifier is gone)
        assertThat(toggled.fetches()).isGreaterThanOrEqualTo(20);
        assertThat(lastGeneration.get()).isEqualTo(50);
        String health = gateway.management("/actuator/health/configuration").getBody();
        assertThat(health).contains("\"by\":\"file-watch\"");
        String metrics = gateway.management("/actuator/prometheus").getBody();
        assertThat(counter(metrics, "applied")).isGreaterThanOrEqualTo(49);
        assertThat(counter(metrics, "refused")).isGreaterThanOrEqualTo(4 * 4);
    }

    @Test
    void adminReloadWhenBrokenThenProblemAndWhenUnauthenticatedThen401() throws IOException {
        String before = Files.readString(file);
        WebClient management = TestClients.webClient(gateway.managementPort());
        String admin =
                TestTokens.demoEdge().claim("roles", List.of("dualcore-admin")).sign();
        try {
            ResponseEntity<String> anonymous = TestClients.await(
                    management.post().uri("/admin/config/reload").exchangeToMono(r -> r.toEntity(String.class)));
            assertThat(anonymous.getStatusCode().value()).isEqualTo(401);

            ResponseEntity<String> unchanged = reload(management, admin);
            assertThat(unchanged.getStatusCode().value()).isEqualTo(200);
            assertThat(unchanged.getBody()).contains("\"outcome\":\"unchanged\"");

            // the watcher may see the broken file first: the admin's reload is refused all the same
            Files.writeString(file, before.replace("modes: [edge]", "modes: [edge], expression: \"mode ==\""));
            ResponseEntity<String> refused = reload(management, admin);
            assertThat(refused.getStatusCode().value()).isEqualTo(422);
            assertThat(refused.getBody())
                    .contains("\"code\":\"config_refused\"")
                    .contains("dualcore.routes.");
            assertThat(get("/api/counted/1").getStatusCode().value()).isEqualTo(200);
        } finally {
            Files.writeString(file, before);
        }
    }

    private static ResponseEntity<String> reload(WebClient management, String token) {
        return TestClients.await(management
                .post()
                .uri("/admin/config/reload")
                .header("Authorization", "Bearer " + token)
                .exchangeToMono(r -> r.toEntity(String.class)));
    }

    /** Writes each broken variant and waits until the watcher refused it; the previous generation keeps serving. */
    private static void refuseBroken(int generation) throws IOException {
        for (Variant broken : List.of(Variant.BAD_CEL, Variant.UNKNOWN_PLAN, Variant.MALFORMED, Variant.SHORT_KEY)) {
            double refusedBefore =
                    counter(gateway.management("/actuator/prometheus").getBody(), "refused");
            Files.writeString(file, generation(generation, broken));
            await().atMost(EFFECT)
                    .until(() ->
                            counter(gateway.management("/actuator/prometheus").getBody(), "refused") > refusedBefore);
            assertThat(generationOf(get("/api/orders/1").getBody())).isEqualTo(generation - 1);
            assertThat(gateway.management("/actuator/health/configuration").getBody())
                    .contains("\"lastRefused\"")
                    .contains("DEGRADED")
                    .doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64);
        }
    }

    @Test
    void symlinkSwapWhenConfigMapUpdatedThenNewConfigurationInForce() throws Exception {
        // a second gateway reading a ConfigMap-style volume: live.yml -> ..data/live.yml, ..data -> ..<timestamp>
        Path volume = Files.createTempDirectory(directory, "configmap");
        Path first = Files.createDirectory(volume.resolve("..2026_12_07_1"));
        Files.writeString(first.resolve("live.yml"), generation(100, Variant.VALID));
        Files.createSymbolicLink(volume.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(volume.resolve("live.yml"), Path.of("..data/live.yml"));
        try (TestGateway mounted = TestGateway.start(Map.of(
                "spring.config.location",
                "file:" + volume.resolve("live.yml"),
                "CORE_URI",
                CORE.uri(),
                "dualcore.reload.debounce",
                "50ms"))) {
            assertThat(generationOf(
                            mounted.get("/api/orders/1", TestTokens.demoEdge().sign())
                                    .getBody()))
                    .isEqualTo(100);
            Path second = Files.createDirectory(volume.resolve("..2026_12_07_2"));
            Files.writeString(second.resolve("live.yml"), generation(101, Variant.VALID));
            Path temporary = Files.createSymbolicLink(volume.resolve("..data_tmp"), second.getFileName());
            Files.move(temporary, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            await().atMost(EFFECT)
                    .until(() -> generationOf(mounted.get(
                                            "/api/orders/1",
                                            TestTokens.demoEdge().sign())
                                    .getBody())
                            == 101);
        }
    }

    private static ResponseEntity<String> get(String path) {
        return gateway.get(path, TestTokens.demoEdge().sign());
    }

    private static int remaining(ResponseEntity<String> response) {
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        Matcher matcher = REMAINING.matcher(response.getHeaders().getFirst("RateLimit"));
        assertThat(matcher.find()).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    private static int generationOf(Object body) {
        String text = String.valueOf(body);
        Matcher matcher =
                Pattern.compile("(?i)x-generation\"?[=:]\\s*\\[?\"?(\\d+)").matcher(text);
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    private static double counter(String metrics, String outcome) {
        Matcher matcher = Pattern.compile(
                        "dualcore_config_reload_total\\{[^}]*outcome=\"" + outcome + "\"[^}]*} (\\S+)")
                .matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private enum Variant {
        VALID,
        BAD_CEL,
        UNKNOWN_PLAN,
        MALFORMED,
        SHORT_KEY
    }

    /** One generation of the configuration file, valid or broken one way. */
    private static String generation(int generation, Variant variant) {
        String orders = "orders-v" + generation;
        String key = (variant == Variant.SHORT_KEY) ? "MTIzNDU=" : TestTokens.DEMO_EDGE_KEY_BASE64;
        String expression = (variant == Variant.BAD_CEL) ? ", expression: \"size(roles) >\"" : "";
        String swappedPlan = (variant == Variant.UNKNOWN_PLAN) ? "missing" : (generation % 2 == 0 ? "even" : "odd");
        String yaml = """
                management:
                  endpoints.web.exposure.include: health,prometheus
                  endpoint.health.show-details: always
                dualcore:
                  auth:
                    oidc:
                      issuers:
                        - {name: stable, issuer-uri: "%s", jwks-uri: "%s", audiences: [dualcore-gateway]}
                %s
                    edge:
                      issuer: dualcore-edge
                      audiences: [dualcore-gateway]
                      keys:
                        - {kid: edge-demo-1, algorithm: HS256, secret: "%s"}
                  rate-limit:
                    plans:
                      counted: {bandwidths: [{capacity: 100000, refill-tokens: 1, refill-period: 1h}]}
                      even: {bandwidths: [{capacity: 1000, refill-period: 1s}]}
                      odd: {bandwidths: [{capacity: 2000, refill-period: 1s}]}
                  routes:
                    %s: {access: {modes: [edge]%s}}
                    guarded: {access: {modes: [%s]}}
                    swapped: {access: {modes: [edge]}, rate-limit: {edge: %s}}
                    counted: {access: {modes: [edge]}, rate-limit: {edge: counted}}
                    proof: {access: {modes: [edge]}, dpop: %s}
                    realms: {access: {modes: [oidc]}}
                spring.cloud.gateway.server.webflux.routes:
                  - id: %s
                    uri: ${CORE_URI}
                    predicates: [Path=/api/orders/**]
                    filters: ["AddRequestHeader=X-Generation, %d"]
                  - id: guarded
                    uri: ${CORE_URI}
                    predicates: [Path=/api/guarded/**]
                  - id: swapped
                    uri: ${CORE_URI}
                    predicates: [Path=/api/swapped/**]
                  - id: counted
                    uri: ${CORE_URI}
                    predicates: [Path=/api/counted/**]
                  - id: proof
                    uri: ${CORE_URI}
                    predicates: [Path=/api/proof/**]
                  - id: realms
                    uri: ${CORE_URI}
                    predicates: [Path=/api/realms/**]
                """.formatted(
                        stable.issuer("stable"),
                        stable.jwksUri(),
                        (generation % 2 == 0)
                                ? "        - {name: toggled, issuer-uri: \"%s\", jwks-uri: \"%s\", audiences: [dualcore-gateway]}"
                                        .formatted(toggled.issuer("toggled"), toggled.jwksUri())
                                : "",
                        key,
                        orders,
                        expression,
                        generation % 2 == 0 ? "edge" : "oidc",
                        swappedPlan,
                        generation % 2 == 0 ? "required" : "off",
                        orders,
                        generation);
        return (variant == Variant.MALFORMED) ? yaml.replace("  rate-limit:", "  rate-limit: [") : yaml;
    }
}
