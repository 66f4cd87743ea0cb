package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.dualcore.gateway.auth.TestModes;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.web.server.ServerWebExchange;

class ModeRoutePredicateFactoryTests {

    private final ModeRoutePredicateFactory factory = new ModeRoutePredicateFactory(TestModes.REGISTRY);

    private Predicate<ServerWebExchange> predicate(String... modes) {
        return this.factory.apply(new ModeRoutePredicateFactory.Config().setModes(modes));
    }

    @Test
    void edgeModeWhenEdgeIdentityThenMatches() {
        assertThat(predicate("edge").test(Identities.exchange(Identities.edge(Map.of()))))
                .isTrue();
    }

    @Test
    void edgeModeWhenOidcIdentityThenNoMatch() {
        assertThat(predicate("edge").test(Identities.exchange(Identities.oidc("dualcore", Map.of()))))
                .isFalse();
    }

    @Test
    void oidcModeWhenOidcIdentityThenMatchesCaseInsensitively() {
        assertThat(predicate("OIDC").test(Identities.exchange(Identities.oidc("dualcore", Map.of()))))
                .isTrue();
    }

    @Test
    void identityModesWhenAnonymousThenNoMatch() {
        assertThat(predicate("oidc", "edge").test(Identities.exchange(null))).isFalse();
    }

    @Test
    void anonymousModeWhenAnonymousThenMatchesAndIdentityDoesNot() {
        Predicate<ServerWebExchange> anonymous = predicate("anonymous");
        assertThat(anonymous.test(Identities.exchange(null))).isTrue();
        assertThat(anonymous.test(Identities.exchange(Identities.edge(Map.of()))))
                .isFalse();
    }

    @Test
    void modeWhenUnknownThenStartupErrorNamesIt() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> predicate("basic"))
                .withMessageContaining("'basic'");
    }

    @Test
    void modeWhenEmptyThenStartupError() {
        assertThatIllegalArgumentException().isThrownBy(() -> predicate());
    }

    @Test
    void shortcutWhenReadThenGathersModesAndToStringIsReadable() {
        assertThat(this.factory.shortcutFieldOrder()).containsExactly(ModeRoutePredicateFactory.MODES_KEY);
        assertThat(this.factory.shortcutType()).isEqualTo(ModeRoutePredicateFactory.ShortcutType.GATHER_LIST);
        assertThat(this.factory.name()).isEqualTo("Mode");
        assertThat(predicate("edge").toString()).isEqualTo("Mode: [edge]");
        assertThat(new ModeRoutePredicateFactory.Config().setModes("oidc").toString())
                .isEqualTo("Config[modes=[oidc]]");
    }
}
