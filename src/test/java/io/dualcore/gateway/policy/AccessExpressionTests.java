package io.dualcore.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.web.ErrorCode;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class AccessExpressionTests {

    private static final GatewayIdentity ALICE = new GatewayIdentity(
            OidcVerificationMode.MODE,
            "https://idp/realms/dualcore",
            "dualcore",
            "alice",
            "dualcore-service",
            Set.of("user", "dualcore-gateway:orders.read"),
            Set.of("openid", "orders"),
            null,
            "kid-1",
            Instant.now().plusSeconds(300),
            Map.of(
                    "tenant_id",
                    "acme",
                    "tier",
                    2,
                    "groups",
                    List.of("ops", "dev"),
                    "address",
                    Map.of("country", "DE"),
                    "exp",
                    new Date(4_000_000_000_000L)));

    private static final GatewayIdentity SENSOR = new GatewayIdentity(
            EdgeVerificationMode.MODE,
            "dualcore-edge",
            "edge",
            "sensor-7",
            null,
            Set.of(),
            Set.of(),
            "sensor-7",
            "edge-1",
            Instant.now().plusSeconds(60),
            Map.of("site", "plant-3"));

    private static final ServerHttpRequest GET_ORDERS = MockServerHttpRequest.get("/api/orders/42")
            .header("X-Request-Kind", "batch")
            .header("Authorization", "Bearer secret")
            .build();

    private static boolean allows(String expression, GatewayIdentity identity) {
        return allows(expression, identity, GET_ORDERS);
    }

    private static boolean allows(String expression, GatewayIdentity identity, ServerHttpRequest request) {
        return AccessExpression.compile("test.expression", expression, List.of("x-request-kind"), TestModes.REGISTRY)
                .allows(identity, request);
    }

    @Test
    void evaluateWhenModeComparedThenFollowsIdentity() {
        assertThat(allows("mode == 'oidc'", ALICE)).isTrue();
        assertThat(allows("mode == 'oidc'", SENSOR)).isFalse();
        assertThat(allows("mode == 'anonymous'", null)).isTrue();
    }

    @Test
    void evaluateWhenRealmComparedThenFollowsIdentity() {
        assertThat(allows("realm == 'dualcore'", ALICE)).isTrue();
        assertThat(allows("realm == 'partners'", ALICE)).isFalse();
    }

    @Test
    void evaluateWhenSubjectComparedThenFollowsIdentity() {
        assertThat(allows("subject.startsWith('sensor-')", SENSOR)).isTrue();
        assertThat(allows("subject == 'bob'", ALICE)).isFalse();
    }

    @Test
    void evaluateWhenRolesTestedThenFollowsIdentity() {
        assertThat(allows("'dualcore-gateway:orders.read' in roles", ALICE)).isTrue();
        assertThat(allows("'admin' in roles", ALICE)).isFalse();
        assertThat(allows("roles.exists(r, r.endsWith('.read'))", ALICE)).isTrue();
    }

    @Test
    void evaluateWhenScopesTestedThenFollowsIdentity() {
        assertThat(allows("'orders' in scopes && size(scopes) == 2", ALICE)).isTrue();
        assertThat(allows("'payments' in scopes", ALICE)).isFalse();
    }

    @Test
    void evaluateWhenClaimsReadThenTypedAsCelValues() {
        assertThat(allows("claims.tenant_id == 'acme'", ALICE)).isTrue();
        assertThat(allows("claims['tenant_id'] == 'globex'", ALICE)).isFalse();
        assertThat(allows("claims.tier >= 2", ALICE))
                .as("an integer claim is a CEL int")
                .isTrue();
        assertThat(allows("'ops' in claims.groups", ALICE)).isTrue();
        assertThat(allows("claims.address.country == 'DE'", ALICE)).isTrue();
        assertThat(allows("claims.exp > 3999999999", ALICE))
                .as("dates are epoch seconds")
                .isTrue();
        assertThat(allows("claims.site == 'plant-3'", SENSOR)).isTrue();
    }

    @Test
    void evaluateWhenClaimMissingThenDeniedUnlessGuardedWithHas() {
        assertThat(allows("claims.tenant_id == 'acme'", SENSOR))
                .as("an evaluation error denies")
                .isFalse();
        assertThat(allows("!has(claims.tenant_id) || claims.tenant_id == 'acme'", SENSOR))
                .isTrue();
    }

    @Test
    void evaluateWhenRequestReadThenMethodPathAndSelectedHeadersOnly() {
        assertThat(allows("method == 'GET' && path.startsWith('/api/orders/')", ALICE))
                .isTrue();
        assertThat(allows("headers['x-request-kind'] == 'batch'", ALICE)).isTrue();
        assertThat(allows("'authorization' in headers", ALICE))
                .as("only selected headers")
                .isFalse();
        ServerHttpRequest post = MockServerHttpRequest.post("/api/orders").build();
        assertThat(allows("method == 'GET'", ALICE, post)).isFalse();
        assertThat(allows("!('x-request-kind' in headers)", ALICE, post)).isTrue();
    }

    @Test
    void evaluateWhenAnonymousThenEmptyIdentity() {
        assertThat(allows("subject == '' && size(roles) == 0 && size(claims) == 0", null))
                .isTrue();
    }

    @Test
    void compileWhenSyntaxErrorThenStartupErrorNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", "'admin' in roles &&", List.of()))
                .withMessageContaining("dualcore.routes.orders.access.expression");
    }

    @Test
    void compileWhenNotBoolThenStartupErrorNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", "subject", List.of()))
                .withMessageContaining("dualcore.routes.orders.access.expression");
    }

    @Test
    void compileWhenUnknownVariableOrTypeErrorThenStartupErrorNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", "user == 'alice'", List.of()))
                .withMessageContaining("dualcore.routes.orders.access.expression")
                .withMessageContaining("user");
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", "roles == 'admin'", List.of()))
                .withMessageContaining("dualcore.routes.orders.access.expression");
    }

    @Test
    void compileWhenCredentialsHeaderSelectedThenStartupError() {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", "true", List.of("Authorization")))
                .withMessageContaining("dualcore.routes.orders.access.expression-headers");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Proxy-Authorization", "cookie", "X-Edge-Token", "x_api_key", "X-Amzn-Oidc-Data"})
    void compileWhenDefaultCredentialHeaderSelectedThenStartupError(String header) {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", "true", List.of(header)))
                .withMessageContaining("carries credentials");
    }

    @Test
    void compileWhenConfiguredCredentialHeaderSelectedThenStartupError() {
        RouteProperties properties = new RouteProperties(Map.of(
                "orders",
                new RouteProperties.RouteSettings(
                        access("headers['x-tenant'] == 'acme'", null, List.of("X-Tenant")), false, false, null)));
        assertThat(RoutePolicies.of(properties, List.of("orders"), name -> false, TestModes.REGISTRY))
                .isNotNull();
        assertThatIllegalStateException()
                .isThrownBy(() -> RoutePolicies.of(
                        properties, List.of("orders"), "x-tenant"::equalsIgnoreCase, TestModes.REGISTRY))
                .withMessageContaining("dualcore.routes.orders.access.expression-headers")
                .withMessageContaining("carries credentials");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "mode == 'odic'",
                "'odic' == mode",
                "mode != \"edg\"",
                "mode == 'OIDC'",
                "mode in ['oidc', 'odic']",
                "'admin' in roles && (realm == 'dualcore' || !(mode == 'odic'))",
                "(mode == 'odic' ? 1 : 2) == 1",
                "roles.exists(r, r == 'admin' && mode == 'odic')",
                "roles.all(r, [r].exists(x, mode != 'odic'))",
                "size(roles) > 0 && mode in ['edge'] && mode in ['anonymous', 'odic']"
            })
    void compileWhenModeComparedWithUnknownLiteralThenStartupErrorNamingPropertyLiteralAndModes(String expression) {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy("orders", expression, List.of()))
                .withMessageContaining("dualcore.routes.orders.access.expression")
                .withMessageMatching("(?s).*\"(odic|edg|OIDC)\".*")
                .withMessageContaining("registered modes are [oidc, edge]")
                .withMessageContaining("anonymous");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "mode == 'oidc'",
                "'edge' != mode",
                "mode == 'anonymous'",
                "mode in ['oidc', 'edge', 'anonymous']",
                "realm == 'odic'",
                "subject == 'oidc-bot' && mode == 'edge'",
                "'odic' in roles",
                "claims.mode == 'odic'",
                "has(claims.mode) && claims['mode'] == 'odic'",
                "roles.exists(mode, mode == 'admin')",
                "roles.map(mode, mode).exists(r, r in ['odic'])",
                "'odic' in [mode, realm]",
                "mode == realm",
                "mode.startsWith('od')",
                "mode in roles"
            })
    void compileWhenLiteralNotComparedWithModeVariableThenCompiles(String expression) {
        assertThat(policy("orders", expression, List.of())).isNotNull();
    }

    @Test
    void compileWhenModeLiteralUnknownThenRoutePoliciesRefuseAtStartup() {
        RouteProperties properties = new RouteProperties(Map.of(
                "orders",
                new RouteProperties.RouteSettings(access("mode == 'odic'", null, List.of()), false, false, null)));
        assertThatIllegalStateException()
                .isThrownBy(() -> RoutePolicies.of(properties, List.of("orders"), TestModes.REGISTRY))
                .withMessageContaining("dualcore.routes.orders.access.expression")
                .withMessageContaining("\"odic\"");
    }

    @Test
    void compileWhenRoutePoliciesBuiltThenStartupErrorNamesRoute() {
        RouteProperties properties = new RouteProperties(Map.of(
                "orders",
                new RouteProperties.RouteSettings(access("claims.tenant_id ==", null, List.of()), false, false, null)));
        assertThatIllegalStateException()
                .isThrownBy(() -> RoutePolicies.of(properties, List.of("orders"), TestModes.REGISTRY))
                .withMessageContaining("dualcore.routes.orders.access.expression");
    }

    @Test
    void checkWhenExpressionFalseThenPolicyDeniedWithConfiguredDescription() {
        AccessPolicy policy = AccessPolicy.of(
                "orders",
                access("claims.tenant_id == 'globex'", "Only globex staff may use this route", List.of()),
                TestModes.REGISTRY);
        AccessPolicy.Denial denial = policy.check(ALICE, GET_ORDERS);
        assertThat(denial.code()).isEqualTo(ErrorCode.POLICY_DENIED);
        assertThat(denial.description()).isEqualTo("Only globex staff may use this route");
        assertThat(ErrorCode.POLICY_DENIED.status().value()).isEqualTo(403);
    }

    @Test
    void checkWhenExpressionTrueThenAllowed() {
        AccessPolicy policy =
                AccessPolicy.of("orders", access("claims.tenant_id == 'acme'", null, List.of()), TestModes.REGISTRY);
        assertThat(policy.check(ALICE, GET_ORDERS)).isNull();
    }

    @Test
    void checkWhenListCheckFailsThenListDenialBeforeExpression() {
        AccessPolicy policy = AccessPolicy.of("orders", access("true", null, List.of()), TestModes.REGISTRY);
        assertThat(policy.check(SENSOR, GET_ORDERS).code()).isEqualTo(ErrorCode.MODE_NOT_ALLOWED);
    }

    @Test
    void checkWhenNoDescriptionThenDefaultDescription() {
        AccessPolicy policy = AccessPolicy.of("orders", access("false", " ", List.of()), TestModes.REGISTRY);
        assertThat(policy.check(ALICE, GET_ORDERS).description()).isNotBlank();
    }

    private static AccessPolicy policy(String routeId, String expression, List<String> headers) {
        return AccessPolicy.of(routeId, access(expression, null, headers), TestModes.REGISTRY);
    }

    private static RouteProperties.Access access(String expression, String description, List<String> headers) {
        return new RouteProperties.Access(
                List.of("oidc"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                expression,
                description,
                headers);
    }
}
