package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus (the Debian {@code prometheus} package's binary, started here on a free loopback port with its
 * own configuration and storage under {@code target/}, never as a service) scrapes a running gateway with Redis while
 * it serves allowed, 401, 404, 400, rate-limited and revoked requests, revocations and back-channel logouts; every
 * metric and label the shipped dashboard ({@code deploy/grafana}) and alert rules ({@code deploy/prometheus}) use must
 * then be among the scraped series, and the rules load and evaluate without error. Skipped, saying so, when
 * {@code prometheus} is not on the PATH.
 */
@ExtendWith(RedisExtension.class)
class DashboardMetricsIT {

    private static final Path DASHBOARD = Path.of("deploy/grafana/dualcore-gateway.json");

    private static final Path RULES = Path.of("deploy/prometheus/dualcore-alerts.yml");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static EchoCore core;

    private static TestGateway gateway;

    private static Process prometheus;

    private static Path prometheusDir;

    private static URI prometheusUri;

    @BeforeAll
    static void start(RedisServerFixture redis) throws Exception {
        Optional<Path> binary = AlertRulesTests.onPath("prometheus");
        assumeTrue(
                binary.isPresent(),
                "prometheus is not on the PATH (Debian: apt-get install prometheus): real-Prometheus test skipped");
        prometheusDir = Files.createDirectories(
                        Path.of("target", "prometheus-it", UUID.randomUUID().toString()))
                .toAbsolutePath();
        core = EchoCore.start("core", "127.0.0.1", 0);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        properties.put("REDIS_URL", redis.uri());
        properties.put("dualcore.rate-limit.backend", "redis");
        properties.put("dualcore.rate-limit.plans.metrics-it.bandwidths[0].capacity", "2");
        properties.put("dualcore.rate-limit.plans.metrics-it.bandwidths[0].refill-period", "1h");
        properties.put("dualcore.routes.edge-core.rate-limit.edge", "metrics-it");
        // an SSL bundle (the tls profile's "edge" is one): Spring Boot's ssl_chain_expiry_seconds of its certificate
        Path keyStore = keyStore(prometheusDir);
        properties.put(
                "spring.ssl.bundle.jks.probe.keystore.location",
                keyStore.toUri().toString());
        properties.put("spring.ssl.bundle.jks.probe.keystore.password", "changeit");
        properties.put("spring.ssl.bundle.jks.probe.keystore.type", "PKCS12");
        gateway = TestGateway.start(properties);
        startPrometheus(binary.get(), gateway.managementPort());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (gateway != null) {
            gateway.close();
        }
        if (core != null) {
            core.close();
        }
    }

    @Test
    void scrapedGatewayWhenTrafficServedThenEveryMetricAndLabelOfDashboardAndRulesExists() throws Exception {
        driveTraffic();
        List<String> expressions = new ArrayList<>(MetricReferences.dashboardExpressions(DASHBOARD));
        expressions.addAll(MetricReferences.ruleExpressions(RULES));
        MetricReferences references = MetricReferences.of(expressions);
        assertThat(references.labelsByMetric()).hasSizeGreaterThan(20);
        awaitTargetUp();

        await("every metric and label of the dashboard and the rules scraped by Prometheus")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(references.missingFrom(
                                scrapedLabels(references.labelsByMetric().keySet())))
                        .isEmpty());
    }

    @Test
    void rulesWhenLoadedByPrometheusThenEveryRuleEvaluatesWithoutError() throws Exception {
        await("every rule group evaluated once without error")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    JsonNode groups = api("/api/v1/rules").path("data").path("groups");
                    List<String> rules = new ArrayList<>();
                    for (JsonNode group : groups) {
                        for (JsonNode rule : group.path("rules")) {
                            assertThat(rule.path("health").asString())
                                    .as(rule.path("name").asString() + ": "
                                            + rule.path("lastError").asString())
                                    .isEqualTo("ok");
                            rules.add(rule.path("name").asString());
                        }
                    }
                    assertThat(rules).hasSize(MetricReferences.rules(RULES).size());
                });
        awaitTargetUp();
    }

    /** The gateway's management port scraped successfully (the scrape error, if any, in the failure message). */
    private static void awaitTargetUp() {
        await("the gateway scraped by Prometheus")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode targets = api("/api/v1/targets").path("data").path("activeTargets");
                    assertThat(targets).hasSize(1);
                    assertThat(targets.get(0).path("health").asString())
                            .as(targets.get(0).path("lastError").asString())
                            .isEqualTo("up");
                });
    }

    /** Allowed, unauthenticated, bad-token, unrouted, refused-path, rate-limited and revoked requests, and the rest. */
    private static void driveTraffic() {
        assertThat(gateway.get("/api/public/ping", null).getStatusCode().value())
                .isEqualTo(200);
        assertThat(gateway.get("/api/orders", null).getStatusCode().value()).isEqualTo(401);
        assertThat(gateway.get("/api/orders", "not-a-token").getStatusCode().value())
                .isEqualTo(401);
        assertThat(gateway.get("/nowhere", null).getStatusCode().value()).isEqualTo(404);
        assertThat(RawHttp.status(RawHttp.get(gateway.port(), "/api/..;/admin")))
                .isEqualTo(400);
        List<Integer> edge = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            edge.add(gateway.get("/edge/data", TestTokens.demoEdge().sign())
                    .getStatusCode()
                    .value());
        }
        assertThat(edge).startsWith(200, 200).contains(429);

        String admin =
                TestTokens.demoEdge().claim("roles", List.of("dualcore-admin")).sign();
        int added = TestClients.webClient(gateway.managementPort())
                .post()
                .uri("/admin/revocations")
                .headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"kind\":\"sub\",\"realm\":\"edge\",\"value\":\"metrics-it-revoked\",\"ttl\":\"1h\"}")
                .exchangeToMono(response -> response.toBodilessEntity())
                .block(TestClients.TIMEOUT)
                .getStatusCode()
                .value();
        assertThat(added).isEqualTo(201);
        assertThat(gateway.get(
                                "/api/orders",
                                TestTokens.demoEdge()
                                        .claim("sub", "metrics-it-revoked")
                                        .sign())
                        .getStatusCode()
                        .value())
                .isEqualTo(401);
        int logout = TestClients.webClient(gateway.managementPort())
                .post()
                .uri("/backchannel-logout/dualcore")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("logout_token=" + URLEncoder.encode("not-a-logout-token", StandardCharsets.UTF_8))
                .exchangeToMono(response -> response.toBodilessEntity())
                .block(TestClients.TIMEOUT)
                .getStatusCode()
                .value();
        assertThat(logout).isEqualTo(400);
    }

    /** Label names of the series Prometheus holds for each metric (absent: not scraped). */
    private static Map<String, Set<String>> scrapedLabels(Set<String> metrics) throws Exception {
        Map<String, Set<String>> scraped = new LinkedHashMap<>();
        for (String metric : metrics) {
            JsonNode series = api("/api/v1/series?match[]=" + URLEncoder.encode(metric, StandardCharsets.UTF_8))
                    .path("data");
            if (series.isEmpty()) {
                continue;
            }
            Set<String> labels = new TreeSet<>();
            for (JsonNode one : series) {
                one.propertyNames().forEach(labels::add);
            }
            scraped.put(metric, labels);
        }
        return scraped;
    }

    private static JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(prometheusUri.resolve(pathAndQuery))
                        .timeout(TestClients.TIMEOUT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Prometheus scraping the management port every 2 s and evaluating the shipped rules every second. */
    private static void startPrometheus(Path binary, int managementPort) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path config = prometheusDir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  # a loaded test machine may take over a second to answer the first scrapes (the default timeout)
                  scrape_interval: 2s
                  scrape_timeout: 2s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: dualcore-gateway
                    metrics_path: /actuator/prometheus
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(RULES.toAbsolutePath(), managementPort));
        Process process = new ProcessBuilder(
                        binary.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + prometheusDir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(prometheusDir.resolve("prometheus.log").toFile())
                .start();
        // held at once, so that @AfterAll stops it even when it never gets ready
        prometheus = process;
        prometheusUri = URI.create("http://127.0.0.1:" + port);
        await("Prometheus ready")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    assertThat(process.isAlive())
                            .as(Files.readString(prometheusDir.resolve("prometheus.log")))
                            .isTrue();
                    return HTTP.send(
                                            HttpRequest.newBuilder(prometheusUri.resolve("/-/ready"))
                                                    .timeout(TestClients.TIMEOUT)
                                                    .build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200;
                });
    }

    /** A PKCS#12 key store with one self-signed certificate, from the JDK's keytool. */
    private static Path keyStore(Path dir) throws Exception {
        Path store = dir.resolve("probe.p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        "probe",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=localhost",
                        "-validity",
                        "30",
                        "-keystore",
                        store.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return store;
    }
}
