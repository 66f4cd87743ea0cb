package io.dualcore.gateway.auth.introspection;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The per-issuer introspection meters follow the introspection clients of the configuration in force. */
class IntrospectionMetersTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final AtomicReference<List<TokenIntrospector>> clients = new AtomicReference<>(List.of());

    private final IntrospectionMeters meters = new IntrospectionMeters(this.registry, () -> this.clients.get());

    private static TokenIntrospector introspector(String name, String cacheTtl) {
        Map<String, String> settings = new LinkedHashMap<>();
        String prefix = "dualcore.auth.oidc.issuers[0].";
        settings.put(prefix + "name", name);
        settings.put(prefix + "issuer-uri", "https://idp.test/realms/" + name);
        settings.put(prefix + "jwks-uri", "https://idp.test/realms/" + name + "/certs");
        settings.put(prefix + "audiences[0]", "dualcore-gateway");
        settings.put(prefix + "introspection.uri", "https://idp.test/introspect");
        settings.put(prefix + "introspection.client-id", "gateway");
        settings.put(prefix + "introspection.client-secret", "not-a-real-secret");
        settings.put(prefix + "introspection.cache-ttl", cacheTtl);
        AuthProperties auth = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("dualcore.auth", AuthProperties.class);
        return new TokenIntrospector(auth.oidc().issuers().get(0), Clock.systemUTC());
    }

    private List<FunctionCounter> calls(String issuer) {
        return List.copyOf(this.registry
                .find("dualcore.introspection.calls")
                .tag("issuer", issuer)
                .functionCounters());
    }

    @Test
    void bindWhenIntrospectionTurnedOnChangedAndOffLiveThenItsSeriesFollow() {
        assertThat(calls("partners")).isEmpty();

        this.clients.set(List.of(introspector("partners", "30s")));
        this.meters.bind();
        List<FunctionCounter> first = calls("partners");
        assertThat(first).hasSize(2);

        this.clients.set(List.of(introspector("partners", "10s")));
        this.meters.bind();
        assertThat(calls("partners"))
                .as("the series read the new client")
                .hasSize(2)
                .noneMatch(counter -> counter == first.get(0) || counter == first.get(1));

        this.clients.set(List.of());
        this.meters.bind();
        assertThat(calls("partners")).isEmpty();
    }

    @Test
    void bindWhenClientUnchangedThenItsSeriesKept() {
        TokenIntrospector client = introspector("partners", "30s");
        this.clients.set(List.of(client));
        this.meters.bind();
        List<FunctionCounter> first = calls("partners");

        this.clients.set(List.of(client));
        this.meters.bind();

        assertThat(calls("partners"))
                .hasSize(2)
                .allMatch(counter -> counter == first.get(0) || counter == first.get(1));
    }
}
