package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.ControllableProxy;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.dualcore.gateway.testsupport.redis.RedisExtension;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Traces, metrics, the audit log and readiness of a whole gateway with real Keycloak and Redis: spans exported in
 * memory, Prometheus scraped, log output captured.
 */
@ExtendWith({KeycloakExtension.class, RedisExtension.class, OutputCaptureExtension.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TelemetryIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String DEMO_KEY_BASE64 = TestTokens.DEMO_EDGE_KEY_BASE64;

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    private static EchoCore core;

    private static ControllableProxy idp;

    private static TestGateway gateway;

    private final KeycloakServer keycloak;

    private final RedisServerFixture redis;

    TelemetryIT(KeycloakServer keycloak, RedisServerFixture redis) {
        this.keycloak = keycloak;
        this.redis = redis;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak, RedisServerFixture redis) {
        core = EchoCore.start("core", "127.0.0.1", 0);
        idp = ControllableProxy.start(keycloak.baseUrl().toString());
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        properties.put("REDIS_URL", redis.uri());
        properties.put("dualcore.redis.timeout", "1s");
        properties.put("management.tracing.sampling.probability", "1.0");
        String issuer = "dualcore.auth.oidc.issuers[0].";
        properties.put(issuer + "name", "dualcore");
        properties.put(issuer + "issuer-uri", keycloak.issuerUri("dualcore"));
        properties.put(issuer + "jwks-uri", idp.url() + "/realms/dualcore/protocol/openid-connect/certs");
        properties.put(issuer + "audiences", "dualcore-gateway");
        properties.put(issuer + "jwks.cache-ttl", "2s");
        properties.put(issuer + "jwks.refresh-ahead", "500ms");
        properties.put(issuer + "jwks.refresh-timeout", "1s");
        properties.put(issuer + "jwks.min-refresh-interval", "500ms");
        properties.put("dualcore.rate-limit.backend", "redis");
        properties.put("dualcore.rate-limit.circuit-breaker.minimum-calls", "2");
        properties.put("dualcore.rate-limit.circuit-breaker.open-for", "30s");
        properties.put("dualcore.rate-limit.plans.devices.bandwidths[0].capacity", "1000");
        properties.put("dualcore.rate-limit.plans.devices.bandwidths[0].refill-period", "1m");
        properties.put("dualcore.routes.edge-core.rate-limit.edge", "devices");
        gateway = TestGateway.start(properties, InMemorySpans.class);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.close();
        core.close();
    }

    @BeforeEach
    void clearSpans() {
        SPANS.reset();
    }

    @Test
    @Order(1)
    void oidcRequestWhenKidUnknownThenJwksFetchSpanIsChildOfAuthenticationSpan() throws Exception {
        assertThat(gateway.get("/api/orders", serviceToken()).getStatusCode().value())
                .isEqualTo(200);
        // a kid the gateway has not seen makes the request itself fetch, once the refresh rate limit
        // (min-refresh-interval 500ms, counted from the last fetch, background ones included) lets it: poll with fresh
        // unknown kids until one request did fetch, with a deadline (on a loaded machine the slow background fetches
        // leave short windows)
        // a request with an unknown kid, again until one of them causes a fetch (the source rate-limits fetches)
        AtomicReference<SpanData> caused = new AtomicReference<>();
        SpanData fetch = await("a JWKS fetch caused by a request")
                .atMost(TestClients.TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            SPANS.reset();
                            String unknownKid = TestTokens.oidc(
                                            TestTokens.rsaKey("rotated-" + System.nanoTime()),
                                            this.keycloak.issuerUri("dualcore"))
                                    .sign();
                            assertThat(gateway.get("/api/orders", unknownKid)
                                            .getStatusCode()
                                            .value())
                                    .isEqualTo(401);
                            SpanData auth = awaitSpan(named("dualcore.authenticate"));
                            caused.set(auth);
                            return SPANS.getFinishedSpanItems().stream()
                                    .filter(span -> span.getName().equals("dualcore.jwks.fetch")
                                            && span.getTraceId().equals(auth.getTraceId()))
                                    .findFirst()
                                    .orElse(null);
                        },
                        found -> found != null);
        SpanData authentication = caused.get();
        assertThat(fetch.getParentSpanId()).isEqualTo(authentication.getSpanId());
        assertThat(fetch.getTraceId()).isEqualTo(authentication.getTraceId());
        assertThat(fetch.getAttributes().get(AttributeKey.stringKey("dualcore.issuer")))
                .isEqualTo("dualcore");
        assertThat(fetch.getAttributes().get(AttributeKey.stringKey("dualcore.result")))
                .isEqualTo("success");
        assertThat(fetch.getAttributes().get(AttributeKey.longKey("dualcore.jwks.keys")))
                .isPositive();
        assertThat(authentication.getAttributes().get(AttributeKey.stringKey("dualcore.auth.code")))
                .isEqualTo("unknown_key");
    }

    @Test
    @Order(2)
    void edgeRequestWithClientTraceparentThenSpansUnderRequestSpanAndUpstreamContinuesTrace() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        ResponseEntity<String> response = gateway.get(
                "/edge/telemetry", edgeToken(), Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        String upstreamTraceparent = header(response, "traceparent");
        assertThat(upstreamTraceparent)
                .as("upstream continues the client's trace")
                .startsWith("00-" + traceId + "-");
        assertThat(gateway.bean(TracePropagation.class).direct())
                .as("the shipped propagation takes the direct path")
                .isTrue();

        SpanData authentication = awaitSpan(named("dualcore.authenticate"));
        SpanData rateLimit = awaitSpan(named("dualcore.ratelimit"));
        SpanData server = awaitSpan(
                span -> span.getKind() == SpanKind.SERVER && span.getTraceId().equals(traceId));
        assertThat(authentication.getTraceId()).isEqualTo(traceId);
        assertThat(authentication.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(rateLimit.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(server.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        var auth = authentication.getAttributes();
        assertThat(auth.get(AttributeKey.stringKey("dualcore.auth.mode"))).isEqualTo("edge");
        assertThat(auth.get(AttributeKey.stringKey("dualcore.auth.kid"))).isEqualTo("edge-demo-1");
        assertThat(auth.get(AttributeKey.stringKey("dualcore.auth.outcome"))).isEqualTo("success");
        assertThat(auth.get(AttributeKey.stringKey("dualcore.auth.subject")))
                .as("subject off by default")
                .isNull();
        var limit = rateLimit.getAttributes();
        assertThat(limit.get(AttributeKey.stringKey("dualcore.ratelimit.plan"))).isEqualTo("devices");
        assertThat(limit.get(AttributeKey.stringKey("dualcore.ratelimit.backend")))
                .isEqualTo("redis");
        assertThat(limit.get(AttributeKey.stringKey("dualcore.ratelimit.outcome")))
                .isEqualTo("allowed");
        assertThat(limit.get(AttributeKey.booleanKey("dualcore.ratelimit.fallback")))
                .isFalse();
    }

    @Test
    @Order(3)
    void rejectedTokenThenAuthenticationSpanCarriesFailureCode() {
        String forged = TestTokens.edge("edge-demo-1", new byte[32], JWSAlgorithm.HS256, "dualcore-edge")
                .sign();
        assertThat(gateway.get("/edge/telemetry", forged).getStatusCode().value())
                .isEqualTo(401);
        SpanData authentication = awaitSpan(named("dualcore.authenticate"));
        assertThat(authentication.getAttributes().get(AttributeKey.stringKey("dualcore.auth.outcome")))
                .isEqualTo("failure");
        assertThat(authentication.getAttributes().get(AttributeKey.stringKey("dualcore.auth.code")))
                .isEqualTo("invalid_signature");
    }

    @Test
    @Order(4)
    void prometheusAfterTrafficThenEveryMetricWithItsLabels() {
        String edge = edgeToken();
        gateway.get("/edge/a", edge);
        gateway.get("/edge/b", edge);
        gateway.get("/api/orders", serviceToken());
        gateway.get(
                "/edge/c",
                TestTokens.edge("edge-demo-1", new byte[32], JWSAlgorithm.HS256, "dualcore-edge")
                        .sign());
        gateway.get("/api/admin/x", null);
        String metrics = gateway.management("/actuator/prometheus").getBody();
        assertThat(metrics)
                .containsPattern(
                        "dualcore_auth_requests_total\\{code=\"none\",door=\"gateway\",mode=\"edge\",outcome=\"success\",realm=\"edge\"}")
                .containsPattern(
                        "dualcore_auth_requests_total\\{code=\"none\",door=\"gateway\",mode=\"oidc\",outcome=\"success\",realm=\"dualcore\"}")
                .containsPattern(
                        "dualcore_auth_requests_total\\{code=\"invalid_signature\",door=\"gateway\",mode=\"unknown\",outcome=\"failure\"")
                .containsPattern("dualcore_auth_cache_total\\{result=\"hit\"} [1-9]")
                .containsPattern("dualcore_auth_cache_total\\{result=\"miss\"} [1-9]")
                .containsPattern(
                        "dualcore_authz_decisions_total\\{code=\"none\",door=\"gateway\",mode=\"edge\",outcome=\"allowed\",route=\"edge-core\"}")
                .containsPattern(
                        "dualcore_authz_decisions_total\\{code=\"missing_token\",door=\"gateway\",mode=\"anonymous\",outcome=\"denied\",route=\"microservice-admin\"}")
                .containsPattern("dualcore_jwks_fetches_total\\{issuer=\"dualcore\",result=\"success\"} [1-9]")
                .containsPattern("dualcore_jwks_keys\\{issuer=\"dualcore\"} [1-9]")
                .containsPattern("dualcore_jwks_age_seconds\\{issuer=\"dualcore\"} \\d")
                .containsPattern("dualcore_edge_key_usage_total\\{kid=\"edge-demo-1\"} [1-9]")
                .containsPattern(
                        "dualcore_ratelimit_decisions_total\\{backend=\"redis\",door=\"gateway\",fallback=\"false\",outcome=\"allowed\",plan=\"devices\"}")
                .containsPattern("dualcore_ratelimit_degraded [0-9]")
                .containsPattern("spring_cloud_gateway_requests_seconds_count\\{[^}]*routeId=\"edge-core\"")
                // the gateway's timers (RouteRequestTimers) carry Spring Cloud Gateway's tags, the final status
                // included
                .containsPattern(
                        "spring_cloud_gateway_requests_seconds_count\\{[^}]*httpMethod=\"GET\",httpStatusCode=\"200\","
                                + "outcome=\"SUCCESSFUL\",routeId=\"edge-core\",routeUri=\"[^\"]+\",status=\"OK\"[^}]*} [1-9]");
    }

    @Test
    @Order(5)
    void auditLinesWhenDecisionsThenEcsJsonWithFinalStatusAndWithoutTokenOrSecret(CapturedOutput output) {
        String edge = edgeToken();
        String service = serviceToken();
        gateway.get("/edge/telemetry", edge);
        gateway.get("/api/orders", service);
        gateway.get("/api/admin/x", service);
        gateway.get("/edge/telemetry", edge + "x");
        JsonNode allowedEdge = AuditLines.await(
                output,
                l -> "edge-core".equals(AuditLines.text(l, "dualcore.route"))
                        && "success".equals(AuditLines.text(l, "event.outcome")));
        assertThat(AuditLines.text(allowedEdge, "event.action")).isEqualTo("access");
        assertThat(AuditLines.text(allowedEdge, "dualcore.mode")).isEqualTo("edge");
        assertThat(AuditLines.text(allowedEdge, "dualcore.device_id")).isEqualTo("device-42");
        assertThat(AuditLines.text(allowedEdge, "dualcore.key_id")).isEqualTo("edge-demo-1");
        assertThat(AuditLines.text(allowedEdge, "trace.id")).matches("[0-9a-f]{32}");
        assertThat(AuditLines.text(allowedEdge, "source.ip")).isEqualTo("127.0.0.1");
        assertThat(AuditLines.text(allowedEdge, "url.path")).isEqualTo("/edge/telemetry");
        assertThat(AuditLines.text(allowedEdge, "http.request.method")).isEqualTo("GET");
        assertThat(AuditLines.text(allowedEdge, "http.response.status_code"))
                .as("the upstream's answer, recorded when the exchange completed")
                .isEqualTo("200");
        assertThat(AuditLines.text(allowedEdge, "service.name")).isEqualTo("dualcore-gateway");
        assertThat(AuditLines.text(allowedEdge, "@timestamp")).isNotBlank();
        assertThat(AuditLines.text(allowedEdge, "log.logger")).isEqualTo(AuditLog.LOGGER);
        JsonNode deniedAdmin =
                AuditLines.await(output, l -> "microservice-admin".equals(AuditLines.text(l, "dualcore.route")));
        assertThat(AuditLines.text(deniedAdmin, "event.outcome")).isEqualTo("failure");
        assertThat(AuditLines.text(deniedAdmin, "event.reason")).isEqualTo("insufficient_role");
        assertThat(AuditLines.text(deniedAdmin, "dualcore.code")).isEqualTo("insufficient_role");
        assertThat(AuditLines.text(deniedAdmin, "dualcore.realm")).isEqualTo("dualcore");
        assertThat(AuditLines.text(deniedAdmin, "http.response.status_code")).isEqualTo("403");
        assertThat(AuditLines.text(deniedAdmin, "user.id")).isNotBlank();
        JsonNode deniedToken =
                AuditLines.await(output, l -> "invalid_signature".equals(AuditLines.text(l, "dualcore.code")));
        assertThat(AuditLines.text(deniedToken, "http.response.status_code")).isEqualTo("401");
        assertThat(AuditLines.text(deniedToken, "event.outcome")).isEqualTo("failure");
        assertThat(output.getAll())
                .doesNotContain(edge)
                .doesNotContain(service)
                .doesNotContain(DEMO_KEY_BASE64)
                .doesNotContain("dualcore-service-demo-secret")
                .doesNotContainPattern("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.");
    }

    @Test
    @Order(6)
    void readinessWhenIdpUnreachableThenIssuerDegradedWithStalenessAndLivenessUp() throws Exception {
        assertThat(gateway.get("/api/orders", serviceToken()).getStatusCode().value())
                .isEqualTo(200);
        JsonNode healthy =
                JSON.readTree(gateway.management("/actuator/health/readiness").getBody());
        assertThat(healthy.path("components")
                        .path("issuers")
                        .path("details")
                        .path("issuers")
                        .path("dualcore")
                        .path("state")
                        .asString())
                .isEqualTo("up");
        idp.cut();
        try {
            AtomicReference<ResponseEntity<String>> last = new AtomicReference<>();
            JsonNode issuer = await().atMost(TestClients.TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> {
                                last.set(gateway.management("/actuator/health/readiness"));
                                return JSON.readTree(last.get().getBody())
                                        .path("components")
                                        .path("issuers")
                                        .path("details")
                                        .path("issuers")
                                        .path("dualcore");
                            },
                            node -> "stale".equals(node.path("state").asString())
                                    && node.path("staleSeconds").asLong() >= 1);
            ResponseEntity<String> readiness = last.get();
            assertThat(issuer.path("state").asString()).isEqualTo("stale");
            assertThat(issuer.path("staleSeconds").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(readiness.getStatusCode().value())
                    .as("degraded, not down")
                    .isEqualTo(200);
            assertThat(JSON.readTree(readiness.getBody()).path("status").asString())
                    .isEqualTo("DEGRADED");
            assertThat(gateway.management("/actuator/health/liveness")
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);
            assertThat(gateway.get("/api/orders", serviceToken())
                            .getStatusCode()
                            .value())
                    .as("known keys keep verifying")
                    .isEqualTo(200);
        } finally {
            idp.restore();
        }
    }

    @Test
    @Order(7)
    void readinessWhenRedisStoppedThenRateLimitDegradedWithFallback() throws Exception {
        this.redis.stop();
        try {
            for (int i = 0; i < 4; i++) {
                assertThat(gateway.get("/edge/telemetry", edgeToken())
                                .getStatusCode()
                                .value())
                        .isEqualTo(200);
            }
            ResponseEntity<String> readiness = gateway.management("/actuator/health/readiness");
            JsonNode rateLimit =
                    JSON.readTree(readiness.getBody()).path("components").path("rateLimit");
            assertThat(rateLimit.path("status").asString()).isEqualTo("DEGRADED");
            assertThat(rateLimit.path("details").path("fallback").asString()).isEqualTo("active");
            assertThat(readiness.getStatusCode().value()).isEqualTo(200);
            assertThat(gateway.management("/actuator/prometheus").getBody())
                    .contains("dualcore_ratelimit_degraded 1.0");
        } finally {
            this.redis.start();
        }
    }

    private String serviceToken() {
        return this.keycloak.clientCredentialsToken("dualcore", "dualcore-service", "dualcore-service-demo-secret");
    }

    private static String edgeToken() {
        return TestTokens.edge(
                        "edge-demo-1", Base64.getDecoder().decode(DEMO_KEY_BASE64), JWSAlgorithm.HS256, "dualcore-edge")
                .sign();
    }

    private static Predicate<SpanData> named(String name) {
        return span -> span.getName().equals(name);
    }

    private static SpanData awaitSpan(Predicate<SpanData> condition) {
        try {
            return await().atMost(TestClients.TIMEOUT)
                    .pollInterval(Duration.ofMillis(50))
                    .until(
                            () -> SPANS.getFinishedSpanItems().stream()
                                    .filter(condition)
                                    .findFirst(),
                            Optional::isPresent)
                    .get();
        } catch (ConditionTimeoutException ex) {
            throw new AssertionError("no such span among "
                    + SPANS.getFinishedSpanItems().stream()
                            .map(SpanData::getName)
                            .toList());
        }
    }

    private static String header(ResponseEntity<String> echo, String name) {
        JsonNode values = JSON.readTree(echo.getBody()).path("headers").path(name);
        return values.isArray() && !values.isEmpty() ? values.get(0).asString() : null;
    }

    /** Every span ends up in memory, synchronously. */
    @Configuration(proxyBeanMethods = false)
    static class InMemorySpans {

        @Bean
        SpanProcessor inMemorySpanProcessor() {
            return SimpleSpanProcessor.create(SPANS);
        }
    }
}
