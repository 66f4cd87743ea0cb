package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.RequestChecksCompiler;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.webflux.autoconfigure.WebFluxProperties;
import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.format.support.DefaultFormattingConversionService;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/** Reloads that add, remove or change realms, against real files: the issuers swap with the rest, atomically. */
class IssuerReloadTests {

    private static final String ROUTES = """
            spring.cloud.gateway.server.webflux.routes:
              - id: orders
                uri: http://localhost:1
                predicates: [Path=/orders/**]
            """;

    @TempDir
    Path directory;

    private Path file;

    private final List<String> built = new ArrayList<>();

    private final List<String> closed = new ArrayList<>();

    private VerifierChains chains;

    private LiveConfiguration live;

    private ConfigurationReloader reloader;

    @BeforeEach
    void start() throws IOException {
        this.file = this.directory.resolve("live.yml");
        write(issuers("dualcore"));
        StandardEnvironment running = new StandardEnvironment();
        running.getPropertySources()
                .addFirst(new MapPropertySource(
                        "commandLineArgs", Map.of("spring.config.location", "file:" + this.file)));
        ConfigurationSources sources = new ConfigurationSources(running);
        ConfigurableEnvironment startup = sources.read();
        this.chains = new VerifierChains(
                Binder.get(startup).bindOrCreate("dualcore.auth", AuthProperties.class),
                issuer -> {
                    this.built.add(issuer.name());
                    return new NamedVerifier(issuer.name(), issuer.issuerUri());
                },
                verifier -> Disposables.single(),
                verifier -> this.closed.add(verifier.name()),
                List.of(),
                Set.of());
        ConfigurationCompiler compiler = new ConfigurationCompiler(
                List.of(
                        new PathRoutePredicateFactory(new WebFluxProperties()),
                        new ModeRoutePredicateFactory(TestModes.REGISTRY)),
                List.of(),
                new ConfigurationService(
                        new DefaultListableBeanFactory(), DefaultFormattingConversionService::new, () -> null),
                Clock.systemUTC(),
                TestModes.REGISTRY,
                this.chains,
                new RequestChecksCompiler(
                        new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
                        new InMemoryReplayGuard(100, Clock.systemUTC()),
                        null,
                        Clock.systemUTC()));
        this.live = new LiveConfiguration(compiler.compile(startup, null));
        compiler.applied(this.live.current());
        this.reloader = new ConfigurationReloader(
                sources, compiler, this.live, ReloadObserver.NONE, event -> {}, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        this.chains.close();
    }

    @Test
    void reloadWhenRealmAddedThenAppliedWithItsVerifierAndUnchangedRealmKeepsItsOwn() throws IOException {
        TokenVerifier dualcore = this.live.current().verifiers().forIssuer(uri("dualcore"));
        write(issuers("dualcore", "partners"));

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.APPLIED);
        assertThat(result.message()).isEqualTo("issuers +[partners]");
        assertThat(result.restartRequired()).isEmpty();
        assertThat(this.live.current().verifiers().forIssuer(uri("partners"))).isNotNull();
        assertThat(this.live.current().verifiers().forIssuer(uri("dualcore"))).isSameAs(dualcore);
        assertThat(this.chains.current()).isSameAs(this.live.current().verifiers());
        assertThat(this.built).containsExactly("dualcore", "partners");
    }

    @Test
    void reloadWhenRealmRemovedThenItsVerifierGoneAndClosed() throws IOException {
        write(issuers("dualcore", "partners"));
        this.reloader.reload("admin-1");
        write(issuers("dualcore"));

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.message()).isEqualTo("issuers -[partners]");
        assertThat(this.live.current().verifiers().forIssuer(uri("partners"))).isNull();
        assertThat(this.closed).containsExactly("partners");
    }

    @Test
    void reloadWhenRealmDpopChangedThenAppliedWithANewVerifierAndItsDpopMode() throws IOException {
        assertThat(this.live.current().checks().dpop()).isNull();
        write(issuers("dualcore") + "        dpop: required\n");

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.APPLIED);
        assertThat(result.message()).isEqualTo("issuers ~[dualcore]");
        assertThat(this.live.current().checks().dpop().modeOf(uri("dualcore"))).isEqualTo(DpopMode.REQUIRED);
        assertThat(this.built).containsExactly("dualcore", "dualcore");
        assertThat(this.closed).containsExactly("dualcore");
    }

    @Test
    void reloadWhenRealmIntrospectsAlwaysWithoutClientThenRefusedAndConfigurationInForceKept() throws IOException {
        ActiveConfiguration before = this.live.current();
        write(issuers("dualcore") + "        introspection:\n          always: true\n");

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.REFUSED);
        assertThat(result.message()).contains("dualcore.auth.oidc.issuers[dualcore].introspection");
        assertThat(this.live.current()).isSameAs(before);
        assertThat(this.chains.current()).isSameAs(before.verifiers());
    }

    private static String uri(String realm) {
        return "https://idp.test/realms/" + realm;
    }

    private static String issuers(String... realms) {
        StringBuilder yaml = new StringBuilder(ROUTES)
                .append(
                        "dualcore:\n  routes:\n    orders: {access: {modes: [oidc]}}\n  auth:\n    oidc:\n      issuers:\n");
        for (String realm : realms) {
            yaml.append("      - name: ")
                    .append(realm)
                    .append("\n        issuer-uri: ")
                    .append(uri(realm))
                    .append("\n        jwks-uri: ")
                    .append(uri(realm))
                    .append("/certs\n        audiences: [dualcore-gateway]\n");
        }
        return yaml.toString();
    }

    private void write(String yaml) throws IOException {
        Files.writeString(this.file, yaml);
    }

    private record NamedVerifier(String name, String issuer) implements TokenVerifier {

        @Override
        public Mono<GatewayIdentity> verify(ParsedToken token) {
            return Mono.empty();
        }

        @Override
        public boolean stillTrusts(GatewayIdentity identity) {
            return true;
        }
    }
}
