package io.dualcore.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.route.RouteProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code introspect: true} on a route only edge (HMAC) tokens can reach is a startup error naming the property. */
class RoutePoliciesIntrospectionTests {

    @Test
    void ofWhenIntrospectedRouteAcceptsOnlyEdgeThenStartupErrorNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> compile("edge"))
                .withMessageContaining("dualcore.routes.devices.introspect is true but")
                .withMessageContaining("dualcore.routes.devices.access.modes [edge]")
                .withMessageContaining("accept a mode of [oidc]");
    }

    @Test
    void ofWhenIntrospectedRouteAcceptsOnlyEdgeAndAnonymousThenStartupError() {
        assertThatIllegalStateException().isThrownBy(() -> compile("edge,anonymous"));
    }

    @Test
    void ofWhenIntrospectedRouteAcceptsOidcThenCompiles() {
        assertThat(compile("oidc,edge").forRoute("devices")).isNotNull();
        assertThat(compile("oidc").forRoute("devices")).isNotNull();
    }

    @Test
    void ofWhenIntrospectedRouteOnlyAnonymousThenCompiles() {
        // no identity ever reaches the check: nothing to refuse
        assertThat(compile("anonymous").forRoute("devices")).isNotNull();
    }

    private static RoutePolicies compile(String modes) {
        Binder binder = new Binder(new MapConfigurationPropertySource(
                Map.of("dualcore.routes.devices.access.modes", modes, "dualcore.routes.devices.introspect", "true")));
        RouteProperties properties =
                binder.bind("dualcore", RouteProperties.class).get();
        return RoutePolicies.of(properties, List.of("devices"), TestModes.REGISTRY);
    }
}
