package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.webflux.autoconfigure.WebFluxProperties;
import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.format.support.DefaultFormattingConversionService;

/** Reloads against real files read by Spring Boot's config-data processing, with the checks of startup. */
class ConfigurationReloaderTests {

    private static final String ROUTES = """
            spring.cloud.gateway.server.webflux.routes:
              - id: orders
                uri: http://localhost:1
                predicates: [Path=/orders/**]
            """;

    @TempDir
    Path directory;

    private Path file;

    private final List<String> events = new ArrayList<>();

    private LiveConfiguration live;

    private ConfigurationReloader reloader;

    @BeforeEach
    void start() throws IOException {
        this.file = this.directory.resolve("live.yml");
        write(ROUTES + policy("[anonymous]", "basic") + plan("basic", 5));
        StandardEnvironment running = new StandardEnvironment();
        running.getPropertySources()
                .addFirst(new MapPropertySource(
                        "commandLineArgs", Map.of("spring.config.location", "file:" + this.file)));
        ConfigurationSources sources = new ConfigurationSources(running);
        ConfigurationCompiler compiler = new ConfigurationCompiler(
                List.of(
                        new PathRoutePredicateFactory(new WebFluxProperties()),
                        new ModeRoutePredicateFactory(TestModes.REGISTRY)),
                List.of(),
                new ConfigurationService(
                        new DefaultListableBeanFactory(), DefaultFormattingConversionService::new, () -> null),
                Clock.systemUTC(),
                TestModes.REGISTRY);
        this.live = new LiveConfiguration(compiler.compile(sources.read(), null));
        this.reloader = new ConfigurationReloader(
                sources, compiler, this.live, new RecordingObserver(), event -> {}, Clock.systemUTC());
    }

    @Test
    void reloadWhenPolicyChangedThenAppliedWithNewVersionAndDiff() throws IOException {
        String before = this.live.current().version();
        write(ROUTES + policy("[oidc]", "basic") + plan("basic", 5));

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.APPLIED);
        assertThat(result.version())
                .isNotEqualTo(before)
                .isEqualTo(this.live.current().version());
        assertThat(result.message()).isEqualTo("routes ~[orders]");
        assertThat(this.events).containsExactly("applied admin-1 routes ~[orders]");
        assertThat(this.live.status().lastApplied().by()).isEqualTo("admin-1");
    }

    @Test
    void reloadWhenNothingChangedThenUnchangedAndSameObject() {
        ActiveConfiguration before = this.live.current();

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.UNCHANGED);
        assertThat(this.live.current()).isSameAs(before);
    }

    @Test
    void reloadWhenRouteAddedThenRoutesAndPoliciesSwapTogether() throws IOException {
        write(ROUTES + """
                  - id: invoices
                    uri: http://localhost:2
                    predicates: [Path=/invoices/**]
                """ + policy("[anonymous]", "basic") + "    invoices: {access: {modes: [oidc]}}\n"
                + plan("basic", 5));

        ConfigurationReloader.Result result = this.reloader.reload(ConfigurationReloader.FILE_WATCH);

        assertThat(result.message()).isEqualTo("routes +[invoices]");
        ActiveConfiguration now = this.live.current();
        assertThat(now.routes()).extracting(route -> route.getId()).containsExactly("orders", "invoices");
        assertThat(now.compiledRoutes().get("invoices")).isNotNull();
    }

    @Test
    void reloadWhenCelDoesNotCompileThenRefusedAndOldConfigurationKept() throws IOException {
        ActiveConfiguration before = this.live.current();
        write(ROUTES + """
                dualcore:
                  routes:
                    orders:
                      access:
                        modes: [anonymous]
                        expression: "mode == "
                """);

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.REFUSED);
        assertThat(result.message()).contains("dualcore.routes.orders");
        assertThat(this.live.current()).isSameAs(before);
        assertThat(this.live.status().lastRefused().version()).isEqualTo(result.version());
        assertThat(this.events).singleElement().asString().startsWith("refused admin-1");
    }

    @Test
    void reloadWhenCelComparesModeWithUnknownNameThenRefusedNamingTheLiteral() throws IOException {
        ActiveConfiguration before = this.live.current();
        write(ROUTES + """
                dualcore:
                  routes:
                    orders:
                      access:
                        modes: [anonymous]
                        expression: "mode == 'anonymous' || mode == 'odic'"
                """);

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.REFUSED);
        assertThat(result.message())
                .contains("dualcore.routes.orders.access.expression")
                .contains("\"odic\"")
                .contains("registered modes are [oidc, edge]");
        assertThat(this.live.current()).isSameAs(before);
    }

    @Test
    void reloadWhenUnknownPlanThenRefusedNamingThePlan() throws IOException {
        ActiveConfiguration before = this.live.current();
        write(ROUTES + policy("[anonymous]", "gold") + plan("basic", 5));

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.REFUSED);
        assertThat(result.message()).contains("unknown plan 'gold'");
        assertThat(this.live.current()).isSameAs(before);
    }

    @Test
    void reloadWhenYamlMalformedThenRefusedWithLineButWithoutContent() throws IOException {
        ActiveConfiguration before = this.live.current();
        write(ROUTES + "dualcore:\n  auth:\n    edge:\n      keys: [ {secret: s3cr3t-value\n  : :\n");

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.REFUSED);
        assertThat(result.message()).contains("malformed YAML").contains("line").doesNotContain("s3cr3t");
        assertThat(this.live.current()).isSameAs(before);
    }

    @Test
    void reloadWhenEdgeKeyTooShortThenRefused() throws IOException {
        write(ROUTES + policy("[anonymous]", "basic") + plan("basic", 5) + """
                  auth:
                    edge:
                      issuer: edge
                      audiences: [gw]
                      keys:
                        - kid: short
                          algorithm: HS256
                          secret: "MTIzNDU="
                """);

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.REFUSED);
        assertThat(result.message()).contains("dualcore.auth.edge.keys[0]").doesNotContain("MTIzNDU=");
    }

    @Test
    void reloadWhenSameBrokenContentSeenTwiceByWatchThenReportedOnce() throws IOException {
        write(ROUTES + policy("[anonymous]", "gold") + plan("basic", 5));

        this.reloader.reload(ConfigurationReloader.FILE_WATCH);
        this.reloader.reload(ConfigurationReloader.FILE_WATCH);

        assertThat(this.events).hasSize(1);
    }

    @Test
    void reloadWhenPlanUnchangedThenSamePlanObjectSoBucketsSurvive() throws IOException {
        var basic = this.live.current().plans().get("basic");
        write(ROUTES + policy("[oidc]", "basic") + plan("basic", 5) + "      gold: {bandwidths: [{capacity: 9,"
                + " refill-period: 1s}]}\n");

        this.reloader.reload("admin-1");

        assertThat(this.live.current().plans().get("basic")).isSameAs(basic);
        assertThat(this.live
                        .current()
                        .compiledRoutes()
                        .get("orders")
                        .limitFor(null)
                        .plan())
                .isSameAs(basic);
    }

    @Test
    void reloadWhenPlanChangedThenNewPlanObject() throws IOException {
        var basic = this.live.current().plans().get("basic");
        write(ROUTES + policy("[anonymous]", "basic") + plan("basic", 7));

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.message()).isEqualTo("plans ~[basic]");
        assertThat(this.live.current().plans().get("basic")).isNotSameAs(basic);
    }

    @Test
    void reloadWhenOnlyRestartSettingChangedThenRestartRequiredNamed() throws IOException {
        write(ROUTES + policy("[anonymous]", "basic") + plan("basic", 5) + "server.port: 9999\n");

        ConfigurationReloader.Result result = this.reloader.reload("admin-1");

        assertThat(result.outcome()).isEqualTo(ConfigurationReloader.Outcome.RESTART_REQUIRED);
        assertThat(result.restartRequired()).containsExactly("server.port");
        assertThat(this.live.status().restartRequired()).containsExactly("server.port");
    }

    private static String policy(String modes, String plan) {
        return "dualcore:\n  routes:\n    orders: {access: {modes: " + modes + "}, rate-limit: {anonymous: " + plan
                + ", oidc: " + plan + "}}\n";
    }

    private static String plan(String name, int capacity) {
        return "  rate-limit:\n    plans:\n      " + name + ": {bandwidths: [{capacity: " + capacity
                + ", refill-period: 1s}]}\n";
    }

    private void write(String yaml) throws IOException {
        Files.writeString(this.file, yaml);
    }

    private final class RecordingObserver implements ReloadObserver {

        @Override
        public void applied(
                ConfigurationReloader.Outcome outcome,
                String by,
                String previousVersion,
                String version,
                ConfigurationDiff diff,
                List<String> restartRequired) {
            ConfigurationReloaderTests.this.events.add("applied " + by + " " + diff.summary());
        }

        @Override
        public void refused(String by, String activeVersion, String version, String reason) {
            ConfigurationReloaderTests.this.events.add("refused " + by + " " + reason);
        }
    }
}
