package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestClients;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Identity headers and route policy with edge tokens: what the upstream receives, what clients can never forge,
 * and the gateway-signed assertion verified with an off-the-shelf JOSE library against the gateway's JWKS.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.server.port=0", "spring.config.import=classpath:scenarios/identity.yml"})
class IdentityPropagationIT {

    private static final byte[] DEMO_KEY = TestTokens.demoEdgeKey();

    private static final byte[] OTHER_KEY =
            Base64.getDecoder().decode("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5");

    private static final EchoCore MICROSERVICE_CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static final EchoCore EDGE_CORE = EchoCore.start("edge-core", "127.0.0.1", 0);

    @LocalServerPort
    int port;

    @Autowired
    IdentityAssertionSigner signer;

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) {
        registry.add("MICROSERVICE_CORE_URI", MICROSERVICE_CORE::uri);
        registry.add("EDGE_CORE_URI", EDGE_CORE::uri);
    }

    @AfterAll
    static void stopCores() {
        MICROSERVICE_CORE.close();
        EDGE_CORE.close();
    }

    @Test
    void edgeTokenWhenValidThenUpstreamReceivesExactlyTheInjectedIdentity() {
        String token = edge("edge-demo-1", DEMO_KEY)
                .claim("sub", "sensor-7")
                .claim("scope", "telemetry.write telemetry.read")
                .claim("roles", List.of("device"))
                .sign();
        Map<String, String> identity = identityHeaders(echo("/edge/telemetry", token, Map.of()));
        assertThat(identity)
                .containsOnlyKeys(
                        "x-auth-subject",
                        "x-auth-mode",
                        "x-auth-issuer",
                        "x-auth-realm",
                        "x-auth-roles",
                        "x-auth-scopes",
                        "x-auth-device",
                        "x-auth-key-id",
                        "x-auth-assertion")
                .containsEntry("x-auth-subject", "sensor-7")
                .containsEntry("x-auth-mode", "edge")
                .containsEntry("x-auth-issuer", "dualcore-edge")
                .containsEntry("x-auth-realm", "edge")
                .containsEntry("x-auth-roles", "device")
                .containsEntry("x-auth-scopes", "telemetry.read telemetry.write")
                .containsEntry("x-auth-device", "sensor-7")
                .containsEntry("x-auth-key-id", "edge-demo-1");
    }

    @Test
    void authorizationHeaderWhenRouteDoesNotForwardItThenStripped() {
        Map<String, Object> echo =
                echo("/edge/telemetry", edge("edge-demo-1", DEMO_KEY).sign(), Map.of());
        assertThat(headers(echo)).doesNotContainKey("authorization");
    }

    @Test
    void spoofedIdentityHeadersInEveryFormThenNeverReachUpstream() {
        Map<String, String> spoofed = Map.of(
                "X-Auth-Subject", "admin",
                "x-auth-roles", "admin",
                "X-AUTH-REALM", "dualcore",
                "X_Auth_Mode", "oidc",
                "x_auth-client", "evil",
                "X-Auth-Injected-By-Client", "yes",
                "Connection", "X-Auth-Subject, X_Auth_Roles, keep-alive");
        String token = edge("edge-demo-1", DEMO_KEY).claim("sub", "sensor-1").sign();
        Map<String, Object> echo = echo("/edge/telemetry", token, spoofed);
        String received = headers(echo).toString().toLowerCase();
        assertThat(received).doesNotContain("admin").doesNotContain("evil").doesNotContain("injected-by-client");
        assertThat(received).doesNotContain("x_auth");
        assertThat(identityHeaders(echo))
                .containsEntry("x-auth-subject", "sensor-1")
                .containsEntry("x-auth-mode", "edge");
    }

    @Test
    void spoofedIdentityHeadersOnAnonymousRouteThenStrippedToo() {
        Map<String, Object> echo = client().get()
                .uri("/api/public/health")
                .header("X-Auth-Subject", "admin")
                .header("x_auth_roles", "admin")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
        assertThat(identityHeaders(echo)).isEmpty();
        assertThat(headers(echo).toString()).doesNotContain("admin");
    }

    @Test
    void policyWhenNoTokenOnProtectedRouteThenUnauthorized() {
        client().get()
                .uri("/edge/telemetry")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo("missing_token");
    }

    @Test
    void policyWhenEdgeTokenOnOidcRouteThenForbiddenModeNotAllowed() {
        client().get()
                .uri("/api/orders")
                .headers(h -> h.setBearerAuth(edge("edge-demo-1", DEMO_KEY).sign()))
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .valueMatches("WWW-Authenticate", "Bearer realm=\"dualcore-gateway\", error=\"insufficient_scope\".*")
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo("mode_not_allowed");
    }

    @Test
    void policyWhenKeyIdNotAllowedThenForbidden() {
        String token = edge("edge-other", OTHER_KEY)
                .claim("sub", "sensor-1")
                .claim("scope", "telemetry.write")
                .sign();
        expectForbidden("/restricted/x", token, "key_not_allowed");
    }

    @Test
    void policyWhenDeviceNotMatchingThenForbidden() {
        String token = edge("edge-demo-1", DEMO_KEY)
                .claim("sub", "camera-1")
                .claim("scope", "telemetry.write")
                .sign();
        expectForbidden("/restricted/x", token, "device_not_allowed");
    }

    @Test
    void policyWhenScopeMissingThenForbiddenNamingScope() {
        String token = edge("edge-demo-1", DEMO_KEY)
                .claim("sub", "sensor-1")
                .claim("scope", "telemetry.read")
                .sign();
        client().get()
                .uri("/restricted/x")
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .valueMatches("WWW-Authenticate", ".*error=\"insufficient_scope\".*scope=\"telemetry.write\".*")
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo("insufficient_scope");
    }

    @Test
    void policyWhenAllRulesHoldThenAllowedAndAuthorizationForwardedWhereConfigured() {
        String token = edge("edge-demo-1", DEMO_KEY)
                .claim("sub", "sensor-9")
                .claim("scope", "telemetry.write")
                .sign();
        Map<String, Object> echo = client().get()
                .uri("/restricted/x")
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
        assertThat(headers(echo).get("authorization"))
                .as("this route forwards the client's Authorization header")
                .containsExactly("Bearer " + token);
    }

    @Test
    void routeWithoutPolicyThenDeniedByDefault() {
        client().get()
                .uri("/unprotected/x")
                .headers(h -> h.setBearerAuth(edge("edge-demo-1", DEMO_KEY).sign()))
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo("no_route_policy");
    }

    @Test
    void assertionWhenVerifiedWithGatewayJwksThenCarriesIdentityAndExpiresAfterTtl() throws Exception {
        // the assertion lives 2 s: warm both paths first, so a cold first request on a loaded machine cannot eat
        // its lifetime before it is verified
        echo(
                "/edge/telemetry",
                edge("edge-demo-1", DEMO_KEY).claim("sub", "sensor-warm-up").sign(),
                Map.of());
        JWKSet keys = jwks();
        String token = edge("edge-demo-1", DEMO_KEY).claim("sub", "sensor-3").sign();
        String assertion =
                identityHeaders(echo("/edge/telemetry", token, Map.of())).get("x-auth-assertion");
        JWTClaimsSet claims = processor(keys).process(assertion, null);
        assertThat(claims.getSubject()).isEqualTo("sensor-3");
        assertThat(claims.getIssuer()).isEqualTo("dualcore-gateway");
        assertThat(claims.getAudience()).containsExactly("edge-core");
        assertThat(claims.getStringClaim("mode")).isEqualTo("edge");
        assertThat(claims.getStringClaim("device_id")).isEqualTo("sensor-3");
        Thread.sleep(2_500);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> processor(jwks()).process(assertion, null))
                .isInstanceOf(BadJWTException.class)
                .hasMessageContaining("Expired");
    }

    @Test
    void assertionWhenSigningKeyRotatesThenOldAndNewAssertionsVerify() throws Exception {
        String first = identityHeaders(
                        echo("/edge/telemetry", edge("edge-demo-1", DEMO_KEY).sign(), Map.of()))
                .get("x-auth-assertion");
        String oldKid = this.signer.currentKeyId();
        this.signer.rotate();
        String second = identityHeaders(
                        echo("/edge/telemetry", edge("edge-demo-1", DEMO_KEY).sign(), Map.of()))
                .get("x-auth-assertion");
        JWKSet keys = jwks();
        assertThat(keys.getKeys()).extracting(key -> key.getKeyID()).contains(oldKid, this.signer.currentKeyId());
        assertThat(processor(keys).process(first, null).getIssuer()).isEqualTo("dualcore-gateway");
        assertThat(processor(keys).process(second, null).getIssuer()).isEqualTo("dualcore-gateway");
        assertThat(keys.getKeys()).allSatisfy(key -> assertThat(key.isPrivate()).isFalse());
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWKSet keys) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("dualcore-identity+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(keys)));
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                new JWTClaimsSet.Builder().issuer("dualcore-gateway").build(), Set.of("sub", "exp", "iat", "aud"));
        verifier.setMaxClockSkew(0);
        processor.setJWTClaimsSetVerifier(verifier);
        return processor;
    }

    private JWKSet jwks() throws Exception {
        String json = client().get()
                .uri("/.well-known/jwks.json")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return JWKSet.parse(json);
    }

    private void expectForbidden(String path, String token, String code) {
        client().get()
                .uri(path)
                .headers(h -> h.setBearerAuth(token))
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectBody()
                .jsonPath("$.code")
                .isEqualTo(code);
    }

    private static TestTokens.Builder edge(String kid, byte[] key) {
        return TestTokens.edge(kid, key, JWSAlgorithm.HS256, "dualcore-edge");
    }

    private Map<String, Object> echo(String path, String token, Map<String, String> extraHeaders) {
        return client().get()
                .uri(path)
                .headers(h -> {
                    extraHeaders.forEach(h::add);
                    h.setBearerAuth(token);
                })
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult()
                .getResponseBody();
    }

    @SuppressWarnings("unchecked")
    static Map<String, List<String>> headers(Map<String, Object> echo) {
        Map<String, List<String>> headers = new TreeMap<>();
        ((Map<String, List<String>>) echo.get("headers")).forEach((k, v) -> headers.put(k.toLowerCase(), v));
        return headers;
    }

    /** The X-Auth-* headers the upstream received; each must have exactly one value. */
    static Map<String, String> identityHeaders(Map<String, Object> echo) {
        Map<String, List<String>> all = headers(echo);
        all.forEach((name, values) -> {
            if (name.startsWith("x-auth-")) {
                assertThat(values).as(name).hasSize(1);
            }
        });
        return all.entrySet().stream()
                .filter(e -> e.getKey().startsWith("x-auth-"))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0), (a, b) -> a, TreeMap::new));
    }

    private WebTestClient client() {
        return TestClients.webTestClient(this.port);
    }

    @TestConfiguration
    static class UnprotectedRoute {

        @Bean
        RouteLocator unprotectedRoute(RouteLocatorBuilder builder) {
            return builder.routes()
                    .route("unprotected", r -> r.path("/unprotected/**").uri(EDGE_CORE.uri()))
                    .build();
        }
    }
}
