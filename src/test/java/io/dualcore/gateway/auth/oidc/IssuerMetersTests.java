package io.dualcore.gateway.auth.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.VerifierChain;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

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
}
