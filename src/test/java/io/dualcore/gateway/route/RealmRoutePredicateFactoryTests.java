package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.web.server.ServerWebExchange;

class RealmRoutePredicateFactoryTests {

    private final RealmRoutePredicateFactory factory = new RealmRoutePredicateFactory();

    private Predicate<ServerWebExchange> predicate(String... realms) {
        return this.factory.apply(new RealmRoutePredicateFactory.Config().setRealms(realms));
    }

    @Test
    void realmWhenIdentityOfThatRealmThenMatches() {
        assertThat(predicate("partners").test(Identities.exchange(Identities.oidc("partners", Map.of()))))
                .isTrue();
    }

    @Test
    void realmWhenIdentityOfOtherRealmThenNoMatch() {
        assertThat(predicate("partners").test(Identities.exchange(Identities.oidc("dualcore", Map.of()))))
                .isFalse();
    }

    @Test
    void realmWhenIssuerUriGivenThenMatches() {
        assertThat(predicate("http://localhost:8180/realms/partners")
                        .test(Identities.exchange(Identities.oidc("partners", Map.of()))))
                .isTrue();
    }

    @Test
    void realmWhenAnonymousThenNoMatch() {
        assertThat(predicate("partners").test(Identities.exchange(null))).isFalse();
    }

    @Test
    void realmWhenBlankThenStartupError() {
        assertThatIllegalArgumentException().isThrownBy(() -> predicate(" "));
        assertThatIllegalArgumentException().isThrownBy(() -> predicate());
    }

    @Test
    void shortcutWhenReadThenGathersRealms() {
        assertThat(this.factory.shortcutFieldOrder()).containsExactly(RealmRoutePredicateFactory.REALMS_KEY);
        assertThat(this.factory.shortcutType()).isEqualTo(RealmRoutePredicateFactory.ShortcutType.GATHER_LIST);
        assertThat(this.factory.name()).isEqualTo("Realm");
        assertThat(predicate("partners").toString()).isEqualTo("Realm: [partners]");
    }
}
