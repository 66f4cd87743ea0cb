package io.dualcore.gateway.auth.introspection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.extauthz.ExtAuthzServer;
import io.dualcore.gateway.forwardauth.ForwardAuthServer;
import io.dualcore.gateway.testsupport.RecordingUpstream;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.testsupport.keycloak.KeycloakExtension;
import io.dualcore.gateway.testsupport.keycloak.KeycloakServer;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import tools.jackson.databind.json.JsonMapper;

/**
 * Token introspection (RFC 7662) against real Keycloak, through the proxy and the decision doors (forward auth, ext_authz
 * gRPC), which run the same route check: the route {@code microservice-core} ({@code /api/**}) sets
 * {@code introspect: true}, {@code telemetry-oidc} ({@code /telemetry/**}) verifies locally only. A token revoked
 * through Keycloak's revocation endpoint is refused on the introspected route once the positive cache (2 s here)
 * lapses, and still accepted on the other; an unreachable introspection endpoint gets the failure policy; opaque and
 * hostile tokens get a 4xx, never a 5xx, and never reach the core.
 */
@ExtendWith(KeycloakExtension.class)
class IntrospectionIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The realm export's confidential client the gateway introspects as. */
    private static final String CLIENT_SECRET = "XcCc6VljCyxtrHuP8gNDaVYE6l9Q9SEJ";

    private static RecordingUpstream core;

    private static TestGateway gateway;

    /** The same issuer with its introspection endpoint on a closed port, failure policy deny. */
    private static TestGateway outage;

    private final KeycloakServer keycloak;

    IntrospectionIT(KeycloakServer keycloak) {
        this.keycloak = keycloak;
    }

    @BeforeAll
    static void start(KeycloakServer keycloak) throws Exception {
        core = RecordingUpstream.start();
        gateway = TestGateway.start(properties(keycloak, null));
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        outage = TestGateway.start(properties(keycloak, "http://127.0.0.1:" + closedPort + "/introspect"));
    }

    private static Map<String, String> properties(KeycloakServer keycloak, String introspectionUri) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        String issuer = "dualcore.auth.oidc.issuers[0].";
        properties.put(issuer + "name", "dualcore");
        properties.put(issuer + "issuer-uri", keycloak.issuerUri("dualcore"));
        properties.put(issuer + "audiences", "dualcore-gateway");
        properties.put(issuer + "introspection.client-id", "dualcore-gateway");
        properties.put(issuer + "introspection.client-secret", CLIENT_SECRET);
        properties.put(issuer + "introspection.cache-ttl", "2s");
        properties.put(issuer + "introspection.timeout", "2s");
        properties.put(issuer + "introspection.opaque-tokens", "true");
        if (introspectionUri != null) {
            properties.put(issuer + "introspection.uri", introspectionUri);
        }
        properties.put("dualcore.routes.microservice-core.introspect", "true");
        // the decision doors run the route's introspection as the proxy does
        properties.put("dualcore.decision-api.enabled", "true");
        properties.put("dualcore.decision-api.port", "0");
        properties.put("dualcore.ext-authz.grpc.enabled", "true");
        properties.put("dualcore.ext-authz.grpc.port", "0");
        return properties;
    }

    @AfterAll
    static void stop() {
        if (outage != null) {
            outage.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (core != null) {
            core.close();
        }
    }

    private String aliceToken() {
        return this.keycloak.passwordToken("dualcore", "dualcore-demo", "alice", "alice-demo-password");
    }

    private static ResponseEntity<String> call(TestGateway target, String path, String token) {
        return TestClients.webClient(target.port())
                .get()
                .uri(path)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    /** The same request asked through Traefik's forward-auth door. */
    private static ResponseEntity<String> traefik(TestGateway target, String path, String token) {
        return TestClients.webClient(target.bean(ForwardAuthServer.class).port())
                .get()
                .uri("/traefik")
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", path)
                .header("X-Forwarded-Host", "app.example")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(TestClients.TIMEOUT);
    }

    /** The same request asked through Envoy's ext_authz gRPC door: the status it would answer, and its code. */
    private static String envoyGrpc(TestGateway target, String path, String token) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(
                        "127.0.0.1", target.bean(ExtAuthzServer.class).port())
                .usePlaintext()
                .build();
        try {
            CheckResponse response = AuthorizationGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(TestClients.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .check(CheckRequest.newBuilder()
                            .setAttributes(AttributeContext.newBuilder()
                                    .setRequest(AttributeContext.Request.newBuilder()
                                            .setHttp(AttributeContext.HttpRequest.newBuilder()
                                                    .setMethod("GET")
                                                    .setPath(path)
                                                    .setHost("app.example")
                                                    .setScheme("http")
                                                    .putHeaders("authorization", "Bearer " + token))))
                            .build());
            if (!response.hasDeniedResponse()) {
                return "200";
            }
            return response.getDeniedResponse().getStatus().getCodeValue() + " "
                    + JSON.readTree(response.getDeniedResponse().getBody())
                            .path("code")
                            .asString();
        } finally {
            channel.shutdownNow();
        }
    }

    private static String code(ResponseEntity<String> response) {
        return JSON.readTree(response.getBody()).path("code").asString();
    }

    private void revoke(String token) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("client_id", "dualcore-demo");
        form.add("token", token);
        form.add("token_type_hint", "access_token");
        String revokeUri = this.keycloak.issuerUri("dualcore") + "/protocol/openid-connect/revoke";
        ResponseEntity<String> response = TestClients.webClient(revokeUri)
                .post()
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(form))
                .exchangeToMono(answer -> answer.toEntity(String.class))
                .block(TestClients.TIMEOUT);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
    }

    @Test
    void revokedTokenWhenCacheTtlLapsedThenRefusedOnIntrospectedRouteAndAcceptedOnLocalRoute() {
        String token = aliceToken();
        assertThat(call(gateway, "/api/profile", token).getStatusCode().value()).isEqualTo(200);
        assertThat(traefik(gateway, "/api/profile", token).getStatusCode().value())
                .isEqualTo(200);
        assertThat(envoyGrpc(gateway, "/api/profile", token)).isEqualTo("200");
        assertThat(call(gateway, "/telemetry/ping", token).getStatusCode().value())
                .isEqualTo(200);

        revoke(token);

        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    ResponseEntity<String> refused = call(gateway, "/api/profile", token);
                    assertThat(refused.getStatusCode().value()).isEqualTo(401);
                    assertThat(code(refused)).isEqualTo("token_inactive");
                    assertThat(refused.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                            .contains("error=\"invalid_token\"");
                });
        // the decision doors give the proxy's answer: the engine runs the route's introspection for every door
        ResponseEntity<String> forwardAuth = traefik(gateway, "/api/profile", token);
        assertThat(forwardAuth.getStatusCode().value()).isEqualTo(401);
        assertThat(code(forwardAuth)).isEqualTo("token_inactive");
        assertThat(forwardAuth.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .contains("error=\"invalid_token\"");
        assertThat(envoyGrpc(gateway, "/api/profile", token)).isEqualTo("401 token_inactive");
        assertThat(traefik(gateway, "/telemetry/ping", token).getStatusCode().value())
                .isEqualTo(200);
        assertThat(call(gateway, "/telemetry/ping", token).getStatusCode().value())
                .isEqualTo(200);
        String metrics = gateway.management("/actuator/prometheus").getBody();
        assertThat(metrics)
                .contains("dualcore_introspection_calls_total{issuer=\"dualcore\",result=\"answered\"}")
                .contains("dualcore_auth_requests_total{code=\"token_inactive\"");
    }

    @Test
    void introspectionEndpointUnreachableWhenPolicyDenyThen503WithRetryAfterAndLocalRouteUnaffected() {
        String token = aliceToken();

        ResponseEntity<String> refused = call(outage, "/api/profile", token);

        assertThat(refused.getStatusCode().value()).isEqualTo(503);
        assertThat(code(refused)).isEqualTo("introspection_unavailable");
        assertThat(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
        assertThat(refused.getBody()).doesNotContain(token);
        assertThat(call(outage, "/telemetry/ping", token).getStatusCode().value())
                .isEqualTo(200);
    }

    @Test
    void opaqueTokenWhenUnknownToKeycloakThenTokenInactive() {
        ResponseEntity<String> refused = call(gateway, "/api/profile", "c29tZS1vcGFxdWUtdG9rZW4tdmFsdWU");

        assertThat(refused.getStatusCode().value()).isEqualTo(401);
        assertThat(code(refused)).isEqualTo("token_inactive");
    }

    @Test
    void hostileTokensWhenOversizedOrMalformedThen4xxNeverAnUpstreamCall() {
        core.clear();
        String[] hostile = {"A".repeat(9000), "a.b", "a..b.c.d.e", "%%%%", "x".repeat(8192), "eyJhbGciOiJub25lIn0.e30."
        };
        for (String token : hostile) {
            ResponseEntity<String> response = TestClients.webClient(gateway.port())
                    .get()
                    .uri("/api/profile")
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                    .exchangeToMono(answer -> answer.toEntity(String.class))
                    .block(TestClients.TIMEOUT);
            assertThat(response.getStatusCode().is4xxClientError())
                    .as(token.length() + " chars: " + response.getBody())
                    .isTrue();
        }
        assertThat(core.received()).isEmpty();
    }
}
