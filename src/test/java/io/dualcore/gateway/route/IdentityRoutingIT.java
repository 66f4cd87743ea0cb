package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.telemetry.RouteRequestTimers;
import io.dualcore.gateway.testsupport.GatewayRoutes;
import io.dualcore.gateway.testsupport.LocalJwks;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.web.CanonicalUpstreamUrlFilter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.GatewayMetricsFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * One public path, {@code /telemetry/**}, routed by who the caller is: edge tokens to the edge core, tokens of the
 * {@code partners} realm to the partner core, a tenant's OIDC tokens (by claim) to its own core, other OIDC tokens to
 * the microservice core. OIDC tokens are signed here and verified against a local JWKS endpoint (no Keycloak
 * needed for routing); the route definitions are ordinary Spring Cloud Gateway ones with {@code Mode=},
 * {@code Realm=} and {@code Claim=} next to {@code Path=}.
 */
class IdentityRoutingIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final EchoCore MICROSERVICE_CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static final EchoCore EDGE_CORE = EchoCore.start("edge-core", "127.0.0.1", 0);

    private static final EchoCore PARTNER_CORE = EchoCore.start("partner-core", "127.0.0.1", 0);

    private static final EchoCore ACME_CORE = EchoCore.start("acme-core", "127.0.0.1", 0);

    private static LocalJwks jwks;

    private static TestGateway gateway;

    private static RSAKey key;

    private static String dualcoreIssuer;

    private static String partnersIssuer;

    @BeforeAll
    static void start() throws IOException {
        key = TestTokens.rsaKey("routing-it");
        jwks = LocalJwks.serve(key);
        Map<String, String> properties = new LinkedHashMap<>();
        dualcoreIssuer = jwks.trust(properties, 0, "dualcore");
        partnersIssuer = jwks.trust(properties, 1, "partners");
        // the route list replaces config/application.yml's, so its routes (which have policies there) come too
        GatewayRoutes.into(properties)
                .add("telemetry-edge", EDGE_CORE.uri(), "/telemetry/**", "Mode=edge")
                .add("telemetry-partners", PARTNER_CORE.uri(), "/telemetry/**", "Realm=partners")
                .add("telemetry-acme", ACME_CORE.uri(), "/telemetry/**", "Claim=tenant_id,acme|initech")
                .add("telemetry-oidc", MICROSERVICE_CORE.uri(), "/telemetry/**", "Mode=oidc")
                .add("public-health", MICROSERVICE_CORE.uri(), "/api/public/**")
                .add("microservice-admin", MICROSERVICE_CORE.uri(), "/api/admin/**")
                .add("partner-api", PARTNER_CORE.uri(), "/api/partners/**", "Realm=partners")
                .add("microservice-core", MICROSERVICE_CORE.uri(), "/api/**")
                .add("edge-core", EDGE_CORE.uri(), "/edge/**");
        properties.put("dualcore.routes.telemetry-edge.access.modes", "edge");
        properties.put("dualcore.routes.telemetry-partners.access.modes", "oidc");
        properties.put("dualcore.routes.telemetry-partners.access.issuers", "partners");
        properties.put("dualcore.routes.telemetry-acme.access.modes", "oidc");
        // a tenant's users share one budget: the plan is keyed on the tenant claim
        properties.put("dualcore.rate-limit.plans.tenant.bandwidths[0].capacity", "2");
        properties.put("dualcore.rate-limit.plans.tenant.bandwidths[0].refill-period", "1h");
        properties.put("dualcore.rate-limit.plans.tenant.key", "claim:tenant_id");
        properties.put("dualcore.routes.telemetry-acme.rate-limit.oidc", "tenant");
        properties.put("dualcore.routes.telemetry-oidc.access.modes", "oidc");
        properties.put(
                "dualcore.routes.telemetry-oidc.access.expression",
                "!has(claims.suspended) && (method == 'GET' || 'telemetry.write' in roles)");
        properties.put(
                "dualcore.routes.telemetry-oidc.access.expression-description",
                "Suspended accounts cannot read telemetry");
        gateway = TestGateway.start(properties);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (jwks != null) {
            jwks.close();
        }
        MICROSERVICE_CORE.close();
        EDGE_CORE.close();
        PARTNER_CORE.close();
        ACME_CORE.close();
    }

    @Test
    void routesAreMatchedByTheGatewaysLookUpOfThePinnedRoutes() {
        // Spring Cloud Gateway's own handler mapping backs off for it (the tests here then run through it)
        assertThat(gateway.bean(RoutePredicateHandlerMapping.class)).isInstanceOf(FirstRouteHandlerMapping.class);
    }

    @Test
    void upstreamUrlAndRequestTimersAreTheGatewaysOwnInPlaceOfSpringCloudGateways() {
        // the routing tests here then run through them: the URL built once, the timers looked up once
        assertThat(gateway.bean(RouteToRequestUrlFilter.class)).isInstanceOf(CanonicalUpstreamUrlFilter.class);
        assertThat(gateway.bean(GatewayMetricsFilter.class)).isInstanceOf(RouteRequestTimers.class);
    }

    @Test
    void telemetryWhenEdgeTokenThenEdgeCore() throws IOException {
        assertThat(coreFor(TestTokens.demoEdge().sign())).isEqualTo("edge-core");
    }

    @Test
    void telemetryWhenOidcTokenThenMicroserviceCore() throws IOException {
        assertThat(coreFor(TestTokens.oidc(key, dualcoreIssuer).sign())).isEqualTo("microservice-core");
    }

    @Test
    void telemetryWhenPartnersRealmTokenThenPartnerCore() throws IOException {
        assertThat(coreFor(TestTokens.oidc(key, partnersIssuer)
                        .claim("sub", "carol")
                        .sign()))
                .isEqualTo("partner-core");
    }

    @Test
    void partnerApiWhenPartnersTokenThenRoutedAndOtherRealmFallsThrough() throws IOException {
        String carol =
                TestTokens.oidc(key, partnersIssuer).claim("sub", "carol").sign();
        String alice =
                TestTokens.oidc(key, dualcoreIssuer).claim("sub", "alice").sign();
        assertThat(coreFor("/api/partners/orders", carol)).isEqualTo("partner-core");
        // the shipped partner-api route takes only the partners realm; alice's request is an ordinary /api/** one
        assertThat(coreFor("/api/partners/orders", alice)).isEqualTo("microservice-core");
    }

    @Test
    void telemetryWhenTenantClaimThenTenantCore() throws IOException {
        String acme =
                TestTokens.oidc(key, dualcoreIssuer).claim("tenant_id", "acme").sign();
        String globex = TestTokens.oidc(key, dualcoreIssuer)
                .claim("tenant_id", "globex")
                .sign();
        assertThat(coreFor(acme)).isEqualTo("acme-core");
        assertThat(coreFor(globex)).isEqualTo("microservice-core");
    }

    @Test
    void tenantPlanWhenTwoUsersOfOneTenantThenTheyShareOneLimit() {
        String ursula = TestTokens.oidc(key, dualcoreIssuer)
                .claim("sub", "ursula")
                .claim("tenant_id", "initech")
                .sign();
        String victor = TestTokens.oidc(key, dualcoreIssuer)
                .claim("sub", "victor")
                .claim("tenant_id", "initech")
                .sign();
        assertThat(gateway.get("/telemetry/readings", ursula).getStatusCode().value())
                .isEqualTo(200);
        assertThat(gateway.get("/telemetry/readings", victor).getStatusCode().value())
                .isEqualTo(200);
        ResponseEntity<String> limited = gateway.get("/telemetry/readings", ursula);
        assertThat(limited.getStatusCode().value()).isEqualTo(429);
        assertThat(JSON.readTree(limited.getBody()).path("code").asText()).isEqualTo("rate_limited");
        assertThat(gateway.get("/telemetry/readings", victor).getStatusCode().value())
                .isEqualTo(429);
    }

    @Test
    void telemetryWhenTenantHeaderSentByClientThenIgnored() throws IOException {
        ResponseEntity<String> response = gateway.get(
                "/telemetry/readings", TestTokens.oidc(key, dualcoreIssuer).sign(), Map.of("tenant_id", "acme"));
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(JSON.readTree(response.getBody()).path("core").asText()).isEqualTo("microservice-core");
    }

    @Test
    void telemetryWhenAccessExpressionFalseThenPolicyDeniedWithRouteDescription() {
        String suspended =
                TestTokens.oidc(key, dualcoreIssuer).claim("suspended", true).sign();
        ResponseEntity<String> response = gateway.get("/telemetry/readings", suspended);
        assertThat(response.getStatusCode().value()).isEqualTo(403);
        assertThat(JSON.readTree(response.getBody()).path("code").asText()).isEqualTo("policy_denied");
        assertThat(JSON.readTree(response.getBody()).path("detail").asText())
                .isEqualTo("Suspended accounts cannot read telemetry");
    }

    @Test
    void telemetryWhenAnonymousThenNoRouteAsksForNoIdentity() throws IOException {
        ResponseEntity<String> response = gateway.get("/telemetry/readings", null);
        assertThat(response.getStatusCode().value()).isEqualTo(404);
        assertThat(JSON.readTree(response.getBody()).path("code").asText()).isEqualTo("no_route");
    }

    @Test
    void telemetryWhenBadTokenThenRefusedBeforeAnyPredicate() throws IOException {
        String forged = TestTokens.oidc(TestTokens.rsaKey("routing-it"), dualcoreIssuer)
                .claim("tenant_id", "acme")
                .sign();
        ResponseEntity<String> response = gateway.get("/telemetry/readings", forged);
        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(JSON.readTree(response.getBody()).path("code").asText()).isEqualTo("invalid_signature");
    }

    private static String coreFor(String token) throws IOException {
        return coreFor("/telemetry/readings", token);
    }

    private static String coreFor(String path, String token) throws IOException {
        ResponseEntity<String> response = gateway.get(path, token);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return JSON.readTree(response.getBody()).path("core").asText();
    }
}
