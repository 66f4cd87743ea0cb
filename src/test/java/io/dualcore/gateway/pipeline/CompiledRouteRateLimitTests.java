package io.dualcore.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.route.RouteProperties;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code rate-limit} is a map from mode name to plan that binds today's YAML, resolved once to an array by index. */
class CompiledRouteRateLimitTests {

    @Test
    void limitForWhenTodaysYamlThenEachModeItsPlan() {
        CompiledRoute route = compile(Map.of(
                "dualcore.routes.orders.rate-limit.oidc", "gold",
                "dualcore.routes.orders.rate-limit.edge", "silver",
                "dualcore.routes.orders.rate-limit.anonymous", "bronze"));

        assertThat(route.limitFor(identity(TestModes.OIDC)).plan().name()).isEqualTo("gold");
        assertThat(route.limitFor(identity(TestModes.EDGE)).plan().name()).isEqualTo("silver");
        assertThat(route.limitFor(null).plan().name()).isEqualTo("bronze");
        assertThat(route.limitFor(identity(TestModes.EDGE)).keyPrefix()).isEqualTo("orders|silver|");
    }

    @Test
    void limitForWhenModeWithoutPlanThenNoLimit() {
        CompiledRoute route = compile(Map.of("dualcore.routes.orders.rate-limit.edge", "silver"));

        assertThat(route.limitFor(identity(TestModes.OIDC))).isNull();
        assertThat(route.limitFor(null)).isNull();
        assertThat(route.limitFor(identity(TestModes.EDGE))).isNotNull();
    }

    @Test
    void compileWhenUnknownModeThenStartupErrorNamingPropertyAndRegisteredModes() {
        assertThatIllegalStateException()
                .isThrownBy(() -> compile(Map.of("dualcore.routes.orders.rate-limit.saml", "gold")))
                .withMessageContaining("dualcore.routes.orders.rate-limit: unknown mode 'saml'")
                .withMessageContaining("[oidc, edge]");
    }

    private static CompiledRoute compile(Map<String, String> rateLimit) {
        Map<String, String> properties = new HashMap<>(rateLimit);
        properties.put("dualcore.routes.orders.access.modes", "oidc,edge,anonymous");
        Binder binder = new Binder(new MapConfigurationPropertySource(properties));
        RouteProperties.RouteSettings settings =
                binder.bind("dualcore", RouteProperties.class).get().routes().get("orders");
        Map<String, RatePlan> plans = new HashMap<>();
        for (String name : new String[] {"gold", "silver", "bronze"}) {
            Binder planBinder = new Binder(new MapConfigurationPropertySource(
                    Map.of("plan.bandwidths[0].capacity", "5", "plan.bandwidths[0].refill-period", "1m")));
            plans.put(
                    name,
                    RatePlan.of(
                            name,
                            planBinder
                                    .bind("plan", RateLimitProperties.Plan.class)
                                    .get()));
        }
        return new CompiledRoute(
                "orders",
                null,
                settings,
                plans,
                CredentialCarriers.of(CredentialsProperties.defaults()),
                TestModes.REGISTRY);
    }

    private static GatewayIdentity identity(Mode mode) {
        return new GatewayIdentity(
                mode,
                "issuer",
                "realm",
                "subject",
                null,
                Set.of(),
                Set.of(),
                "device",
                "kid-1",
                Instant.now().plusSeconds(60),
                Map.of());
    }
}
