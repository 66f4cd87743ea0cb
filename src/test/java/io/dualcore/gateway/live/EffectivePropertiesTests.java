package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class EffectivePropertiesTests {

    @Test
    void versionWhenSameContentThenSameHashWhateverTheOrder() {
        assertThat(EffectiveProperties.version(Map.of("a", "1", "b", "2")))
                .isEqualTo(EffectiveProperties.version(Map.of("b", "2", "a", "1")))
                .hasSize(16)
                .matches("[0-9a-f]{16}");
    }

    @Test
    void versionWhenOneValueChangesThenHashChanges() {
        assertThat(EffectiveProperties.version(Map.of("a", "1")))
                .isNotEqualTo(EffectiveProperties.version(Map.of("a", "2")))
                .isNotEqualTo(EffectiveProperties.version(Map.of("a1", "")));
    }

    @Test
    void versionWhenSecretInPropertiesThenNotInTheVersion() {
        String version = EffectiveProperties.version(Map.of("dualcore.auth.edge.keys[0].secret", "c2VjcmV0"));

        assertThat(version).doesNotContain("c2VjcmV0");
    }

    @Test
    void ofWhenRelaxedNamesThenCanonicalNamesWithPlaceholdersResolved() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "test",
                        Map.of(
                                "dualcore.rate-limit.plans.gold.bandwidths[0].capacity", "${CAPACITY:7}",
                                "local.server.port", "1234")));

        assertThat(EffectiveProperties.of(environment))
                .containsEntry("dualcore.rate-limit.plans.gold.bandwidths[0].capacity", "7")
                .doesNotContainKey("local.server.port");
    }

    @Test
    void isLiveWhenRelaxedSpellingThenSameAsCanonical() {
        assertThat(EffectiveProperties.isLive("dualcore.ratelimit.plans.gold.bandwidths[0].capacity"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("spring.cloud.gateway.server.webflux.routes[3].predicates[0]"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.rate-limit.backend")).isFalse();
        assertThat(EffectiveProperties.isLive("dualcore.routes-extra")).isFalse();
    }

    @Test
    void isLiveWhenIssuerOrEdgeTokenSettingThenLiveButNotTheEdgeKeyRingNorGlobalAuthSettings() {
        assertThat(EffectiveProperties.isLive("dualcore.auth.oidc.issuers[1].issuer-uri"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.oidc.issuers[0].userinfo.enabled"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.edge.audiences[0]"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.edge.max-lifetime"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.edge.keys[0].secret"))
                .isFalse();
        assertThat(EffectiveProperties.isLive("dualcore.auth.edge.key-directory"))
                .isFalse();
        assertThat(EffectiveProperties.isLive("dualcore.auth.clock-skew")).isFalse();
        assertThat(EffectiveProperties.isLive("dualcore.auth.cache.maximum-size"))
                .isFalse();
    }

    @Test
    void isLiveWhenIdentityCredentialOrLogoutClientSettingThenLiveButNotTheAssertionKeyRotation() {
        assertThat(EffectiveProperties.isLive("dualcore.identity.header-prefix"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.identity.assertion.issuer"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.identity.assertion.ttl"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.identity.assertion.key-rotation"))
                .isFalse();
        assertThat(EffectiveProperties.isLive("dualcore.credentials.strip-headers[3]"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.credentials.max-form-size"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.revocation.backchannel-logout.clients.realm-a[0]"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.revocation.backchannel-logout.max-age"))
                .isFalse();
    }

    @Test
    void isLiveWhenRouteTokenChecksOrIssuerDpopAndIntrospectionThenLive() {
        assertThat(EffectiveProperties.isLive("dualcore.routes.orders.introspect"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.routes.orders.dpop")).isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.oidc.issuers[0].dpop"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.oidc.issuers[0].introspection.always"))
                .isTrue();
        assertThat(EffectiveProperties.isLive("dualcore.auth.dpop.nonces")).isFalse();
        assertThat(EffectiveProperties.isLive("dualcore.routes.orders.access.modes[0]"))
                .isTrue();
    }

    @Test
    void restartOnlyDifferencesWhenLiveAndRestartSettingsChangeThenOnlyRestartOnesNamed() {
        Map<String, String> running = Map.of(
                "server.port", "8080",
                "dualcore.routes.a.access.modes[0]", "oidc",
                "dualcore.redis.url", "redis://a");
        Map<String, String> candidate = Map.of(
                "server.port", "9090",
                "dualcore.routes.a.access.modes[0]", "edge",
                "dualcore.rate-limit.plans.gold.bandwidths[0].capacity", "5",
                "spring.cloud.gateway.server.webflux.routes[0].id", "a",
                "dualcore.rate-limit.backend", "redis");

        assertThat(EffectiveProperties.restartOnlyDifferences(running, candidate))
                .containsExactly("dualcore.rate-limit.backend", "dualcore.redis.url", "server.port");
    }
}
