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
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTests {

    private static final GatewayIdentity ALICE = oidc("dualcore", Set.of("user"), Set.of("openid", "orders"));

    private static final GatewayIdentity SENSOR = edge("edge-1", "sensor-7");

    @Test
    void checkWhenAnonymousAndRouteNeedsCredentialsThenMissingToken() {
        assertThat(policy(access(List.of("oidc"))).check(null).code()).isEqualTo(ErrorCode.MISSING_TOKEN);
    }

    @Test
    void checkWhenAnonymousAllowedThenPasses() {
        assertThat(policy(access(List.of("anonymous", "edge"))).check(null)).isNull();
        assertThat(policy(access(List.of("anonymous", "edge"))).check(SENSOR)).isNull();
    }

    @Test
    void checkWhenModeNotAcceptedThenModeNotAllowed() {
        assertThat(policy(access(List.of("oidc"))).check(SENSOR).code()).isEqualTo(ErrorCode.MODE_NOT_ALLOWED);
        assertThat(policy(access(List.of("edge"))).check(ALICE).code()).isEqualTo(ErrorCode.MODE_NOT_ALLOWED);
    }

    @Test
    void checkWhenRealmNotListedThenIssuerNotAllowed() {
        RouteProperties.Access access = new RouteProperties.Access(
                List.of("oidc"),
                List.of(),
                List.of(),
                List.of(),
                List.of("partners"),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThat(policy(access).check(ALICE).code()).isEqualTo(ErrorCode.ISSUER_NOT_ALLOWED);
        RouteProperties.Access byUri = new RouteProperties.Access(
                List.of("oidc"),
                List.of(),
                List.of(),
                List.of(),
                List.of("https://idp/realms/dualcore"),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThat(policy(byUri).check(ALICE)).isNull();
    }

    @Test
    void checkWhenRolesMissingThenInsufficientRole() {
        RouteProperties.Access anyOf = new RouteProperties.Access(
                List.of("oidc"),
                List.of("admin", "auditor"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThat(policy(anyOf).check(ALICE).code()).isEqualTo(ErrorCode.INSUFFICIENT_ROLE);
        RouteProperties.Access allOf = new RouteProperties.Access(
                List.of("oidc"),
                List.of(),
                List.of("user", "admin"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThat(policy(allOf).check(ALICE).code()).isEqualTo(ErrorCode.INSUFFICIENT_ROLE);
        RouteProperties.Access held = new RouteProperties.Access(
                List.of("oidc"),
                List.of("user", "admin"),
                List.of("user"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThat(policy(held).check(ALICE)).isNull();
    }

    @Test
    void checkWhenRouteRequiresNoRoleNorScopeThenIdentityWithoutEitherAllowed() {
        GatewayIdentity bare = oidc("dualcore", Set.of(), Set.of());

        assertThat(policy(access(List.of("oidc"))).check(bare)).isNull();
    }

    @Test
    void checkWhenScopeMissingThenInsufficientScopeNamingRequiredScopes() {
        RouteProperties.Access access = new RouteProperties.Access(
                List.of("oidc"),
                List.of(),
                List.of(),
                List.of("orders", "payments"),
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        AccessPolicy.Denial denial = policy(access).check(ALICE);
        assertThat(denial.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(denial.scope()).isEqualTo("orders payments");
    }

    @Test
    void checkWhenEdgeKeyOrDeviceNotListedThenForbidden() {
        RouteProperties.Access keys = new RouteProperties.Access(
                List.of("edge"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of("edge-2"),
                List.of(),
                null,
                null,
                List.of());
        assertThat(policy(keys).check(SENSOR).code()).isEqualTo(ErrorCode.KEY_NOT_ALLOWED);
        RouteProperties.Access devices = new RouteProperties.Access(
                List.of("edge"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of("camera-*", "s?nsor-8"),
                null,
                null,
                List.of());
        assertThat(policy(devices).check(SENSOR).code()).isEqualTo(ErrorCode.DEVICE_NOT_ALLOWED);
        RouteProperties.Access glob = new RouteProperties.Access(
                List.of("edge"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of("sensor-*"),
                null,
                null,
                List.of());
        assertThat(policy(glob).check(SENSOR)).isNull();
        RouteProperties.Access literal = new RouteProperties.Access(
                List.of("edge"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of("sensor.7"),
                null,
                null,
                List.of());
        assertThat(policy(literal).check(SENSOR).code())
                .as("glob characters other than * and ? are literal")
                .isEqualTo(ErrorCode.DEVICE_NOT_ALLOWED);
    }

    @Test
    void ofWhenModeUnknownThenStartupErrorNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy(access(List.of("oidc", "saml"))))
                .withMessageContaining("dualcore.routes.orders.access.modes")
                .withMessageContaining("unknown mode 'saml'");
    }

    @Test
    void ofWhenModesEmptyThenStartupError() {
        assertThatIllegalStateException()
                .isThrownBy(() -> policy(access(List.of())))
                .withMessageContaining("dualcore.routes.orders.access.modes is empty");
    }

    @Test
    void ofWhenRoleListHasEmptyEntryThenStartupError() {
        RouteProperties.Access access = new RouteProperties.Access(
                List.of("oidc"),
                List.of("admin", " "),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThatIllegalStateException()
                .isThrownBy(() -> policy(access))
                .withMessageContaining("dualcore.routes.orders.access.any-role contains an empty entry");
    }

    @Test
    void ofWhenAnonymousRouteRequiresRolesThenStartupError() {
        RouteProperties.Access access = new RouteProperties.Access(
                List.of("anonymous", "oidc"),
                List.of("admin"),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                null,
                null,
                List.of());
        assertThatIllegalStateException().isThrownBy(() -> policy(access)).withMessageContaining("anonymous");
    }

    @Test
    void routePoliciesWhenEntryForUnknownRouteThenStartupErrorListingKnownRoutes() {
        RouteProperties properties = new RouteProperties(
                Map.of("typo-route", new RouteProperties.RouteSettings(access(List.of("oidc")), false, false, null)));
        assertThatIllegalStateException()
                .isThrownBy(() -> RoutePolicies.of(properties, List.of("orders", "telemetry"), TestModes.REGISTRY))
                .withMessageContaining("dualcore.routes.typo-route")
                .withMessageContaining("[orders, telemetry]");
    }

    @Test
    void routePoliciesWhenRouteHasNoEntryThenNoPolicy() {
        RouteProperties properties = new RouteProperties(
                Map.of("orders", new RouteProperties.RouteSettings(access(List.of("oidc")), false, false, null)));
        RoutePolicies policies = RoutePolicies.of(properties, List.of("orders", "telemetry"), TestModes.REGISTRY);
        assertThat(policies.forRoute("orders")).isNotNull();
        assertThat(policies.forRoute("telemetry")).isNull();
    }

    private static RouteProperties.Access access(List<String> modes) {
        return new RouteProperties.Access(
                modes, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, null, List.of());
    }

    private static AccessPolicy policy(RouteProperties.Access access) {
        return AccessPolicy.of("orders", access, TestModes.REGISTRY);
    }

    private static GatewayIdentity oidc(String realm, Set<String> roles, Set<String> scopes) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://idp/realms/" + realm,
                realm,
                "alice",
                "web",
                roles,
                scopes,
                null,
                "rsa-1",
                Instant.now().plusSeconds(60),
                Map.of());
    }

    private static GatewayIdentity edge(String kid, String device) {
        return new GatewayIdentity(
                EdgeVerificationMode.MODE,
                "dualcore-edge",
                "edge",
                device,
                null,
                Set.of(),
                Set.of(),
                device,
                kid,
                Instant.now().plusSeconds(60),
                Map.of());
    }
}
