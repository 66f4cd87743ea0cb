package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

class ClaimRoutePredicateFactoryTests {

    private final ClaimRoutePredicateFactory factory = new ClaimRoutePredicateFactory();

    private Predicate<ServerWebExchange> predicate(String name, String regexp) {
        return this.factory.apply(
                new ClaimRoutePredicateFactory.Config().setName(name).setRegexp(regexp));
    }

    private static MockServerWebExchange withClaim(String name, Object value) {
        return Identities.exchange(Identities.oidc("dualcore", Map.of(name, value)));
    }

    @Test
    void claimWhenValueMatchesRegexThenMatches() {
        assertThat(predicate("tenant_id", "acme").test(withClaim("tenant_id", "acme")))
                .isTrue();
        assertThat(predicate("tenant_id", "ac.*").test(withClaim("tenant_id", "acme")))
                .isTrue();
    }

    @Test
    void claimWhenValueOnlyContainsRegexThenNoMatch() {
        // the whole value must match, as for Spring Cloud Gateway's Header predicate
        assertThat(predicate("tenant_id", "acme").test(withClaim("tenant_id", "acme-evil")))
                .isFalse();
    }

    @Test
    void claimWhenMissingThenNoMatch() {
        assertThat(predicate("tenant_id", ".*").test(withClaim("other", "acme")))
                .isFalse();
    }

    @Test
    void claimWhenNoRegexThenPresenceMatches() {
        assertThat(predicate("tenant_id", null).test(withClaim("tenant_id", "anything")))
                .isTrue();
        assertThat(predicate("tenant_id", null).test(withClaim("other", "x"))).isFalse();
    }

    @Test
    void claimWhenArrayThenAnyElementMatches() {
        assertThat(predicate("groups", "ops").test(withClaim("groups", List.of("dev", "ops"))))
                .isTrue();
        assertThat(predicate("groups", "admin").test(withClaim("groups", List.of("dev", "ops"))))
                .isFalse();
    }

    @Test
    void claimWhenNumberOrBooleanThenMatchedByText() {
        assertThat(predicate("tier", "2").test(withClaim("tier", 2L))).isTrue();
        assertThat(predicate("beta", "true").test(withClaim("beta", true))).isTrue();
    }

    @Test
    void claimWhenObjectThenNoMatch() {
        assertThat(predicate("realm_access", ".*").test(withClaim("realm_access", Map.of("roles", List.of("x")))))
                .isFalse();
    }

    @Test
    void claimWhenEdgeIdentityThenClaimsOfEdgeTokenMatch() {
        assertThat(predicate("site", "plant-.*").test(Identities.exchange(Identities.edge(Map.of("site", "plant-7")))))
                .isTrue();
    }

    @Test
    void claimWhenAnonymousThenNoMatch() {
        assertThat(predicate("tenant_id", ".*").test(Identities.exchange(null))).isFalse();
    }

    @Test
    void claimWhenClientSendsHeaderOfSameNameThenNoMatch() {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                org.springframework.mock.http.server.reactive.MockServerHttpRequest.get("/telemetry/x")
                        .header("tenant_id", "acme"));
        assertThat(predicate("tenant_id", "acme").test(exchange)).isFalse();
    }

    @Test
    void claimWhenInvalidRegexOrNoNameThenStartupError() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> predicate("tenant_id", "(acme"))
                .withMessageContaining("tenant_id");
        assertThatIllegalArgumentException().isThrownBy(() -> predicate(" ", "acme"));
    }

    @Test
    void shortcutWhenReadThenNameThenRegexp() {
        assertThat(this.factory.shortcutFieldOrder())
                .containsExactly(ClaimRoutePredicateFactory.NAME_KEY, ClaimRoutePredicateFactory.REGEXP_KEY);
        assertThat(this.factory.name()).isEqualTo("Claim");
        assertThat(predicate("tenant_id", "acme").toString()).isEqualTo("Claim: tenant_id regexp=acme");
    }
}
