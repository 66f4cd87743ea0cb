package io.dualcore.gateway.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import com.google.rpc.Code;
import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.DecisionDoorRoutes;
import io.dualcore.gateway.testsupport.LocalJwks;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code ext_authz} gRPC door against a whole gateway, asked by a grpc-java client built from Envoy's published
 * protos exactly as Envoy's {@code ext_authz} filter asks ({@code Authorization/Check}, lower-case header map, the
 * original path with query): the same decision as the gateway's own route for the same request. Tokens are signed
 * here and verified against a local JWKS endpoint.
 */
class ExtAuthzGrpcIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final EchoCore MICROSERVICE_CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static final EchoCore EDGE_CORE = EchoCore.start("edge-core", "127.0.0.1", 0);

    private static LocalJwks jwks;

    private static TestGateway gateway;

    /** The same gateway with an ext_authz listener that allows 192.0.2.0/24 only. */
    private static TestGateway guarded;

    private static ManagedChannel channel;

    private static RSAKey key;

    private static String issuer;

    @BeforeAll
    static void start() throws IOException {
        key = TestTokens.rsaKey("ext-authz-it");
        jwks = LocalJwks.serve(key);
        issuer = jwks.issuer(DecisionDoorRoutes.REALM);
        Map<String, String> properties = DecisionDoorRoutes.properties(jwks, MICROSERVICE_CORE, EDGE_CORE);
        properties.put("dualcore.ext-authz.grpc.enabled", "true");
        properties.put("dualcore.ext-authz.grpc.port", "0");
        gateway = TestGateway.start(properties);
        // a second gateway for which this test's client (calling from loopback) is outside allowed-peers; closed with
        // the first, since they share the transport's resources
        Map<String, String> outside = new LinkedHashMap<>(properties);
        outside.put("dualcore.ext-authz.grpc.allowed-peers", "192.0.2.0/24");
        guarded = TestGateway.start(outside);
        channel = NettyChannelBuilder.forAddress(
                        "127.0.0.1", gateway.bean(ExtAuthzServer.class).port())
                .usePlaintext()
                .build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(TestClients.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (guarded != null) {
            guarded.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (jwks != null) {
            jwks.close();
        }
        MICROSERVICE_CORE.close();
        EDGE_CORE.close();
    }

    /** A check as Envoy's filter sends it: pseudo-headers and lower-case names in the header map. */
    private static CheckResponse check(String method, String path, Map<String, String> headers) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setId("1")
                .setMethod(method)
                .setPath(path)
                .setHost("app.example")
                .setScheme("https")
                .setProtocol("HTTP/1.1")
                .putHeaders(":method", method)
                .putHeaders(":path", path)
                .putHeaders(":authority", "app.example")
                .putHeaders("user-agent", "ext-authz-it");
        headers.forEach((name, value) -> http.putHeaders(name.toLowerCase(Locale.ROOT), value));
        return check(CheckRequest.newBuilder()
                .setAttributes(AttributeContext.newBuilder()
                        .setSource(AttributeContext.Peer.newBuilder()
                                .setAddress(Address.newBuilder()
                                        .setSocketAddress(SocketAddress.newBuilder()
                                                .setAddress("203.0.113.9")
                                                .setPortValue(53124))))
                        .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
                .build());
    }

    private static CheckResponse check(CheckRequest request) {
        return AuthorizationGrpc.newBlockingStub(channel)
                .withDeadlineAfter(TestClients.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .check(request);
    }

    private static CheckResponse check(String method, String path, String token) {
        return check(method, path, (token != null) ? Map.of("authorization", "Bearer " + token) : Map.of());
    }

    private static String set(CheckResponse response, String name) {
        return header(response.getOkResponse().getHeadersList(), name);
    }

    private static String denied(CheckResponse response, String name) {
        return header(response.getDeniedResponse().getHeadersList(), name);
    }

    private static String header(List<HeaderValueOption> options, String name) {
        for (HeaderValueOption option : options) {
            if (option.getHeader().getKey().equalsIgnoreCase(name)) {
                assertThat(option.getAppendAction())
                        .isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
                return option.getHeader().getValue();
            }
        }
        return null;
    }

    private static int status(CheckResponse response) {
        return response.hasDeniedResponse()
                ? response.getDeniedResponse().getStatus().getCodeValue()
                : (response.getStatus().getCode() == Code.OK_VALUE ? 200 : -1);
    }

    private static String code(CheckResponse response) {
        return JSON.readTree(response.getDeniedResponse().getBody())
                .path("code")
                .asText();
    }

    private static String code(String answer) {
        String body = RawHttp.body(answer);
        return body.isEmpty() ? "" : JSON.readTree(body).path("code").asText();
    }

    @Test
    void checkWhenOidcTokenThenOkWithTheIdentityHeadersTheGatewayHandsOver() {
        String token =
                TestTokens.oidc(key, issuer).claim("sub", "alice@example.com").sign();
        CheckResponse response = check("GET", "/telemetry/readings?from=1", token);
        assertThat(response.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(response.hasOkResponse()).isTrue();
        var proxied = gateway.get("/telemetry/readings", token);
        assertThat(proxied.getStatusCode().value()).isEqualTo(200);
        JsonNode upstream = JSON.readTree(proxied.getBody()).path("headers");
        for (String name : List.of("X-Auth-Subject", "X-Auth-Mode", "X-Auth-Issuer", "X-Auth-Roles", "X-Auth-Client")) {
            assertThat(set(response, name))
                    .as(name)
                    .isNotNull()
                    .isEqualTo(upstream.path(name).path(0).asText());
        }
        assertThat(set(response, "X-Auth-Mode")).isEqualTo("oidc");
    }

    @Test
    void checkWhenEdgeTokenThenOkWithEdgeIdentity() {
        CheckResponse response =
                check("GET", "/telemetry/readings", TestTokens.demoEdge().sign());
        assertThat(response.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(set(response, "X-Auth-Mode")).isEqualTo("edge");
        assertThat(set(response, "X-Auth-Subject")).isEqualTo("device-42");
    }

    @Test
    void checkWhenClientSendsIdentityHeadersThenTheyAreRemovedOrOverwritten() {
        String token = TestTokens.oidc(key, issuer).claim("sub", "bob").sign();
        CheckResponse response = check(
                "GET",
                "/telemetry/readings",
                Map.of(
                        "authorization", "Bearer " + token,
                        "x-auth-subject", "admin",
                        "x-auth-device", "forged",
                        "x_auth_roles", "admin"));
        assertThat(response.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(set(response, "X-Auth-Subject")).isEqualTo("bob");
        assertThat(response.getOkResponse().getHeadersToRemoveList()).contains("x-auth-device", "x_auth_roles");
    }

    @Test
    void checkWhenNoTokenThenUnauthenticated401WithTheGatewaysChallenge() {
        CheckResponse response = check("GET", "/api/orders", (String) null);
        String proxied = RawHttp.get(gateway.port(), "/api/orders");
        assertThat(response.getStatus().getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
        assertThat(status(response)).isEqualTo(401).isEqualTo(RawHttp.status(proxied));
        assertThat(code(response)).isEqualTo(code(proxied));
        assertThat(denied(response, "WWW-Authenticate")).startsWith("Bearer realm=");
        assertThat(denied(response, "Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.hasOkResponse()).isFalse();
    }

    @Test
    void checkWhenBadOrExpiredTokenThen401WithItsCode() {
        assertThat(code(check("GET", "/telemetry/readings", "not.a.token"))).isEqualTo("malformed_token");
        String expired = TestTokens.oidc(key, issuer)
                .time("iat", Instant.now().minusSeconds(600))
                .time("exp", Instant.now().minusSeconds(300))
                .sign();
        CheckResponse response = check("GET", "/telemetry/readings", expired);
        assertThat(status(response)).isEqualTo(401);
        assertThat(code(response)).isEqualTo("token_expired");
        assertThat(denied(response, "WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    @Test
    void checkWhenRouteRequiresDpopAndBearerTokenThen401DpopRequiredWithTheDpopChallengeAsTheProxyAnswers() {
        String token = TestTokens.oidc(key, issuer).sign();

        CheckResponse response = check("GET", "/api/dpop/orders", token);
        ResponseEntity<String> proxied = gateway.get("/api/dpop/orders", token);

        assertThat(response.getStatus().getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
        assertThat(status(response)).isEqualTo(401);
        assertThat(code(response)).isEqualTo("dpop_required");
        assertThat(response.getDeniedResponse().getHeadersList())
                .anyMatch(option -> option.getHeader().getKey().equalsIgnoreCase("www-authenticate")
                        && option.getHeader().getValue().startsWith("DPoP"));
        assertThat(proxied.getStatusCode().value()).isEqualTo(401);
        assertThat(proxied.getBody()).contains("\"dpop_required\"");
        assertThat(proxied.getHeaders().get(HttpHeaders.WWW_AUTHENTICATE)).anyMatch(value -> value.startsWith("DPoP"));
    }

    @Test
    void checkWhenPeerOutsideAllowedPeersThenPermissionDeniedAndNoDecision() {
        ManagedChannel outside = NettyChannelBuilder.forAddress(
                        "127.0.0.1", guarded.bean(ExtAuthzServer.class).port())
                .usePlaintext()
                .build();
        try {
            CheckRequest request = CheckRequest.newBuilder()
                    .setAttributes(AttributeContext.newBuilder()
                            .setRequest(AttributeContext.Request.newBuilder()
                                    .setHttp(AttributeContext.HttpRequest.newBuilder()
                                            .setMethod("GET")
                                            .setPath("/api/public/health")
                                            .setHost("app.example"))))
                    .build();

            assertThatExceptionOfType(StatusRuntimeException.class)
                    .isThrownBy(() -> AuthorizationGrpc.newBlockingStub(outside)
                            .withDeadlineAfter(TestClients.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .check(request))
                    .satisfies(ex ->
                            assertThat(ex.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED));
            assertThat(guarded.management("/actuator/prometheus").getBody())
                    .as("no decision was made for the refused peer")
                    .doesNotContain("door=\"envoy-grpc\"");
        } finally {
            outside.shutdownNow();
        }
    }

    @Test
    void checkWhenRoutePolicyRefusesThenPermissionDenied403() {
        CheckResponse response = check(
                "POST", "/telemetry/readings", TestTokens.oidc(key, issuer).sign());
        assertThat(response.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(status(response)).isEqualTo(403);
        assertThat(code(response)).isEqualTo("policy_denied");
        assertThat(JSON.readTree(response.getDeniedResponse().getBody())
                        .path("instance")
                        .asText())
                .isEqualTo("/telemetry/readings");
    }

    @Test
    void checkWhenPlanExhaustedThen429WithRetryAfterAndTheGatewaysBucket() {
        String token =
                TestTokens.oidc(key, issuer).claim("tenant_id", "initech").sign();
        CheckResponse first = check("GET", "/telemetry/readings", token);
        assertThat(first.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(first.getOkResponse().getResponseHeadersToAddList())
                .anyMatch(option -> option.getHeader().getKey().startsWith("ratelimit"));
        assertThat(check("GET", "/telemetry/readings", token).getStatus().getCode())
                .isEqualTo(Code.OK_VALUE);
        CheckResponse limited = check("GET", "/telemetry/readings", token);
        assertThat(status(limited)).isEqualTo(429);
        assertThat(code(limited)).isEqualTo("rate_limited");
        assertThat(denied(limited, "Retry-After")).isNotNull();
        assertThat(RawHttp.status(RawHttp.get(gateway.port(), "/telemetry/readings", "Authorization: Bearer " + token)))
                .isEqualTo(429);
    }

    @Test
    void checkWhenNoRouteMatchesThen404NoRoute() {
        CheckResponse response =
                check("GET", "/nowhere", TestTokens.oidc(key, issuer).sign());
        assertThat(status(response)).isEqualTo(404);
        assertThat(code(response)).isEqualTo("no_route");
    }

    @Test
    void checkWhenPathConfusionThenJudgedAsTheGatewayJudgesIt() {
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
            CheckResponse decision = check("GET", path, token);
            String proxied = RawHttp.get(gateway.port(), path, "Authorization: Bearer " + token);
            assertThat(status(decision)).as(path).isEqualTo(RawHttp.status(proxied));
            if (RawHttp.status(proxied) >= 400 && !code(proxied).isEmpty()) {
                assertThat(code(decision)).as(path).isEqualTo(code(proxied));
            }
        }
    }

    @Test
    void checkWhenRequestCannotBeDescribedThen4xxDenialNeverAGrpcError() {
        CheckResponse empty = check(CheckRequest.getDefaultInstance());
        assertThat(status(empty)).isEqualTo(400);
        assertThat(code(empty)).isEqualTo("original_request_missing");
        assertThat(code(check("G E T", "/api/x", (String) null))).isEqualTo("original_request_missing");
        assertThat(status(check("GET", "http://evil.example/api/x", (String) null)))
                .isEqualTo(400);
        assertThat(status(check("GET", "api/x", (String) null))).isEqualTo(400);
        assertThat(status(check("GET", "/api/x?a=<b>|{c}", (String) null))).isBetween(400, 499);
        CheckResponse longPath = check("GET", "/" + "a".repeat(20_000), (String) null);
        assertThat(status(longPath)).isEqualTo(414);
        assertThat(code(longPath)).isEqualTo("request_line_too_long");
        CheckResponse largeHeaders = check("GET", "/api/x", Map.of("x-large", "b".repeat(20_000)));
        assertThat(status(largeHeaders)).isEqualTo(431);
        CheckResponse badName = check("GET", "/api/x", Map.of("bad name", "x"));
        assertThat(status(badName)).isEqualTo(400);
    }
}
