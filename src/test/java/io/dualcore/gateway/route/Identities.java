package io.dualcore.gateway.route;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** Identities and exchanges for predicate tests. */
final class Identities {

    private Identities() {}

    static GatewayIdentity oidc(String realm, Map<String, Object> claims) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                "http://localhost:8180/realms/" + realm,
                realm,
                "alice",
                "dualcore-service",
                Set.of("user"),
                Set.of("openid"),
                null,
                "kid-1",
                Instant.now().plusSeconds(300),
                claims);
    }

    static GatewayIdentity edge(Map<String, Object> claims) {
        return new GatewayIdentity(
                EdgeVerificationMode.MODE,
                "dualcore-edge",
                "edge",
                "device-42",
                null,
                Set.of(),
                Set.of(),
                "device-42",
                "edge-demo-1",
                Instant.now().plusSeconds(60),
                claims);
    }

    static MockServerWebExchange exchange(GatewayIdentity identity) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/telemetry/x"));
        if (identity != null) {
            exchange.getAttributes().put(GatewayIdentity.ATTRIBUTE, identity);
        }
        return exchange;
    }
}
