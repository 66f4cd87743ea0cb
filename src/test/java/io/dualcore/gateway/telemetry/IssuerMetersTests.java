package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.VerifierChain;
import io.dualcore.gateway.auth.introspection.TokenIntrospector;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The per-issuer JWKS meters follow the issuers of the configuration in force. */
class IssuerMetersTests {

    private final TestChain chain = TestChain.create();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final AtomicReference<VerifierChain> inForce =
            new AtomicReference<>(new VerifierChain(List.of(this.chain.realmA, this.chain.edge)));

    private final IssuerMeters meters = new IssuerMeters(this.registry, this.inForce::get, Clock.systemUTC());

    @Test
    void bindWhenRealmAddedLiveThenItsSeriesAppear() {
        assertThat(keys("realm-b")).isNull();

        this.inForce.set(new VerifierChain(List.of(this.chain.realmA, this.chain.realmB, this.chain.edge)));
        this.meters.bind();

        assertThat(keys("realm-b")).isNotNull();
        assertThat(this.registry
                        .find("dualcore.jwks.fetches")
                        .tag("issuer", "realm-b")
                        .functionCounters())
                .hasSize(2);
        assertThat(this.registry
                        .find("dualcore.jwks.age")
                        .tag("issuer", "realm-b")
                        .gauge())
                .isNotNull();
    }

    @Test
    void bindWhenRealmRemovedLiveThenItsSeriesGoAndUnchangedRealmKeepsItsMeters() {
        Gauge before = keys("realm-a");
        this.inForce.set(new VerifierChain(List.of(this.chain.realmA, this.chain.realmB, this.chain.edge)));
        this.meters.bind();
        assertThat(keys("realm-a")).isSameAs(before);

        this.inForce.set(new VerifierChain(List.of(this.chain.realmB, this.chain.edge)));
        this.meters.bind();

        assertThat(keys("realm-a")).isNull();
        assertThat(this.registry
                        .find("dualcore.jwks.fetches")
                        .tag("issuer", "realm-a")
                        .functionCounters())
                .isEmpty();
        assertThat(keys("realm-b")).isNotNull();
    }

    @Test
    void bindWhenIssuerChangedLiveThenItsSeriesReadTheNewVerifier() {
        Gauge before = keys("realm-a");
        TestChain other = TestChain.create();
        this.inForce.set(new VerifierChain(List.of(other.realmA, this.chain.edge)));
        this.meters.bind();

        Gauge after = keys("realm-a");
        assertThat(after).isNotNull().isNotSameAs(before);
        assertThat(this.registry
                        .find("dualcore.jwks.keys")
                        .tag("issuer", "realm-a")
                        .gauges())
                .hasSize(1);
    }

    private Gauge keys(String issuer) {
        return this.registry.find("dualcore.jwks.keys").tag("issuer", issuer).gauge();
    }

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

    private List<FunctionCounter> introspectionCalls(String issuer) {
        return List.copyOf(this.registry
                .find("dualcore.introspection.calls")
                .tag("issuer", issuer)
                .functionCounters());
    }

    @Test
    void bindWhenIntrospectionTurnedOnChangedAndOffLiveThenItsSeriesFollow() {
        AtomicReference<List<TokenIntrospector>> clients = new AtomicReference<>(List.of());
        IssuerMeters withIntrospection =
                new IssuerMeters(this.registry, this.inForce::get, () -> List.copyOf(clients.get()), Clock.systemUTC());
        assertThat(introspectionCalls("partners")).isEmpty();

        clients.set(List.of(introspector("partners", "30s")));
        withIntrospection.bind();
        List<FunctionCounter> first = introspectionCalls("partners");
        assertThat(first).hasSize(2);

        clients.set(List.of(introspector("partners", "10s")));
        withIntrospection.bind();
        assertThat(introspectionCalls("partners"))
                .as("the series read the new client")
                .hasSize(2)
                .noneMatch(counter -> counter == first.get(0) || counter == first.get(1));

        clients.set(List.of());
        withIntrospection.bind();
        assertThat(introspectionCalls("partners")).isEmpty();
    }
}
