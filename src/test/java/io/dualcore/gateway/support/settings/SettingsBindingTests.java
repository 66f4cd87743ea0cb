package io.dualcore.gateway.support.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dualcore.gateway.auth.AuthProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class SettingsBindingTests {

    private static final String ISSUER = "dualcore.auth.oidc.issuers[0]";

    private static Binder binder(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values));
    }

    private static Map<String, String> issuer(String... more) {
        Map<String, String> values = new java.util.LinkedHashMap<>(Map.of(
                ISSUER + ".name", "realm",
                ISSUER + ".issuer-uri", "https://idp.test/realms/realm",
                ISSUER + ".audiences", "gw"));
        for (int i = 0; i < more.length; i += 2) {
            values.put(more[i], more[i + 1]);
        }
        return values;
    }

    @Test
    void bindWhenValidThenSettingsWithDefaults() {
        AuthProperties auth = SettingsBinding.bind(binder(issuer()), "dualcore.auth", AuthProperties.class);

        assertThat(auth.oidc().issuers().get(0).userinfo().timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void bindWhenNothingSetThenDefaults() {
        AuthProperties auth = SettingsBinding.bind(binder(Map.of()), "dualcore.auth", AuthProperties.class);

        assertThat(auth.oidc().issuers()).isEmpty();
        assertThat(auth.maxTokenLength()).isEqualTo(8192);
    }

    @Test
    void bindWhenSeveralConstraintsBrokenThenEveryProblemNamesItsProperty() {
        InvalidSettingsException ex = catchThrowableOfType(
                InvalidSettingsException.class,
                () -> SettingsBinding.bind(
                        binder(issuer(
                                ISSUER + ".audiences", "",
                                ISSUER + ".userinfo.timeout", "0s",
                                ISSUER + ".userinfo.degraded-cache-ttl", "-1s",
                                ISSUER + ".userinfo.size-limit", "0",
                                ISSUER + ".userinfo.claims", "email,x y",
                                ISSUER + ".userinfo.circuit-breaker.minimum-calls", "0",
                                ISSUER + ".userinfo.circuit-breaker.open-for", "0s",
                                ISSUER + ".introspection.circuit-breaker.failure-rate-threshold", "0")),
                        "dualcore.auth",
                        AuthProperties.class));

        assertThat(ex.problems())
                .contains(
                        ISSUER + ".audiences: is empty; list the aud values this gateway accepts (e.g."
                                + " dualcore-gateway)",
                        ISSUER + ".userinfo.timeout: must be positive (e.g. 2s)",
                        ISSUER + ".userinfo.degraded-cache-ttl: must not be negative (0 caches nothing)",
                        ISSUER + ".userinfo.size-limit: must be positive (bytes)",
                        ISSUER + ".userinfo.circuit-breaker.minimum-calls: must be at least 1 (e.g. 5)",
                        ISSUER + ".userinfo.circuit-breaker.open-for: must be positive (e.g. 10s)",
                        ISSUER + ".introspection.circuit-breaker.failure-rate-threshold: must be a percentage above 0"
                                + " and at most 100 (e.g. 50)")
                .contains(
                        ISSUER + ".userinfo.claims[1]: 'x y' is not a usable claim name; use letters, digits, '_', '.'"
                                + " or '-' (it names an identity header)");
    }

    @Test
    void bindWhenEnumValueInAnyCaseOrSeparatorThenBound() {
        for (String value : new String[] {"allow-verified", "ALLOW_VERIFIED", "allow_verified", "Allow-Verified"}) {
            AuthProperties auth = SettingsBinding.bind(
                    binder(issuer(ISSUER + ".introspection.failure-policy", value)),
                    "dualcore.auth",
                    AuthProperties.class);

            assertThat(auth.oidc().issuers().get(0).introspection().failurePolicy())
                    .isEqualTo(AuthProperties.IntrospectionFailurePolicy.ALLOW_VERIFIED);
        }
    }

    @Test
    void bindWhenEnumValueUnknownThenProblemNamesPropertyWithoutSecretValues() {
        InvalidSettingsException ex = catchThrowableOfType(
                InvalidSettingsException.class,
                () -> SettingsBinding.bind(
                        binder(issuer(ISSUER + ".introspection.failure-policy", "maybe")),
                        "dualcore.auth",
                        AuthProperties.class));

        assertThat(ex.problems())
                .singleElement()
                .asString()
                .startsWith(ISSUER + ".introspection.failure-policy: cannot be bound");
    }

    @Test
    void bindWhenSecretSettingFailsToConvertThenValueNotQuoted() {
        InvalidSettingsException ex = catchThrowableOfType(
                InvalidSettingsException.class,
                () -> SettingsBinding.bind(
                        binder(Map.of("dualcore.auth.edge.keys[0].secret-file", "\u0000s3cr3t-value")),
                        "dualcore.auth",
                        AuthProperties.class));

        assertThat(ex.problems()).singleElement().asString().doesNotContain("s3cr3t");
    }
}
