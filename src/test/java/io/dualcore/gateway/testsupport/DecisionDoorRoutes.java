package io.dualcore.gateway.testsupport;

import io.dualcore.gateway.demo.EchoCore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one gateway configuration the decision doors' ITs (forward-auth, ext_authz gRPC, explain) ask about, so that
 * each door is shown to give the same decision for the same request: a trusted realm {@code dualcore} of a
 * {@link LocalJwks}, identity-aware telemetry routes (edge by mode, a tenant by claim with its own plan, OIDC with a
 * read-only CEL policy), the API and edge routes, and a route stricter than its issuer about DPoP.
 */
public final class DecisionDoorRoutes {

    /** The realm the table trusts. */
    public static final String REALM = "dualcore";

    private DecisionDoorRoutes() {}

    /** The table's properties; a door's IT adds its own listener settings before starting the gateway. */
    public static Map<String, String> properties(LocalJwks idp, EchoCore microserviceCore, EchoCore edgeCore) {
        Map<String, String> properties = new LinkedHashMap<>();
        idp.trust(properties, 0, REALM);
        String microservice = microserviceCore.uri();
        String edge = edgeCore.uri();
        GatewayRoutes.into(properties)
                .add("telemetry-edge", edge, "/telemetry/**", "Mode=edge")
                .add("telemetry-limited", microservice, "/telemetry/**", "Claim=tenant_id,initech")
                .add("telemetry-oidc", microservice, "/telemetry/**", "Mode=oidc")
                .add("public-health", microservice, "/api/public/**")
                .add("microservice-admin", microservice, "/api/admin/**")
                .add("partner-api", microservice, "/api/partners/**")
                .add("dpop-only", microservice, "/api/dpop/**")
                .add("microservice-core", microservice, "/api/**")
                .add("edge-core", edge, "/edge/**");
        // a route stricter than its issuer about DPoP: the engine's route token checks, on every door
        properties.put("dualcore.routes.dpop-only.access.modes", "oidc");
        properties.put("dualcore.routes.dpop-only.dpop", "required");
        properties.put("dualcore.routes.telemetry-edge.access.modes", "edge");
        properties.put("dualcore.routes.telemetry-oidc.access.modes", "oidc");
        properties.put("dualcore.routes.telemetry-oidc.access.expression", "method == 'GET'");
        properties.put("dualcore.routes.telemetry-oidc.access.expression-description", "Telemetry is read-only");
        properties.put("dualcore.routes.telemetry-limited.access.modes", "oidc");
        // a tenant's users share one budget of two requests
        properties.put("dualcore.rate-limit.plans.tenant.bandwidths[0].capacity", "2");
        properties.put("dualcore.rate-limit.plans.tenant.bandwidths[0].refill-period", "1h");
        properties.put("dualcore.rate-limit.plans.tenant.key", "claim:tenant_id");
        properties.put("dualcore.routes.telemetry-limited.rate-limit.oidc", "tenant");
        return properties;
    }
}
