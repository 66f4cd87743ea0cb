package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The shipped Prometheus alert rules ({@code deploy/prometheus/dualcore-alerts.yml}): valid and unit-tested with
 * {@code promtool} (Debian package {@code prometheus}; skipped, saying so, when it is not on the PATH), and every
 * alert complete: a severity, a summary, a runbook that exists, a promtool test that sees it fire.
 */
class AlertRulesTests {

    private static final Path RULES = Path.of("deploy/prometheus/dualcore-alerts.yml");

    private static final Path RULE_TESTS = Path.of("deploy/prometheus/tests");

    @Test
    void promtoolCheckRulesWhenShippedRulesThenValid() throws Exception {
        Path promtool = promtool();
        Result result = run(Path.of("."), promtool.toString(), "check", "rules", RULES.toString());
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void promtoolTestRulesWhenUnitTestsThenAllPass() throws Exception {
        Path promtool = promtool();
        List<String> command = new ArrayList<>(List.of(promtool.toString(), "test", "rules"));
        command.addAll(
                ruleTestFiles().stream().map(f -> f.getFileName().toString()).toList());
        Result result = run(RULE_TESTS, command.toArray(String[]::new));
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void everyAlertWhenShippedThenSeveritySummaryAndExistingRunbook() throws Exception {
        List<Map<String, Object>> alerts = alerts();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        for (Map<String, Object> alert : alerts) {
            String name = (String) alert.get("alert");
            Map<?, ?> labels = (Map<?, ?>) alert.get("labels");
            Map<?, ?> annotations = (Map<?, ?>) alert.get("annotations");
            assertThat(labels.get("severity")).as(name).isIn("warning", "critical");
            assertThat((String) annotations.get("summary")).as(name).isNotBlank();
            String runbook = (String) annotations.get("runbook_url");
            assertThat(runbook).as(name).startsWith("docs/runbooks/");
            String[] parts = runbook.split("#", 2);
            Path file = Path.of(parts[0]);
            assertThat(file).as(name).isRegularFile();
            if (parts.length == 2) {
                assertThat(anchors(file)).as(name + ": anchor of " + runbook).contains(parts[1]);
            }
        }
    }

    @Test
    void everyAlertWhenShippedThenAPromtoolTestExpectsItToFire() throws Exception {
        Set<String> firing = new TreeSet<>();
        for (Path file : ruleTestFiles()) {
            firing.addAll(expectedFiring(file));
        }
        assertThat(firing)
                .containsAll(alerts().stream().map(a -> (String) a.get("alert")).toList());
    }

    /** The alerts (not the recording rules) of the shipped rule file. */
    private static List<Map<String, Object>> alerts() throws IOException {
        return MetricReferences.rules(RULES).stream()
                .filter(rule -> rule.containsKey("alert"))
                .toList();
    }

    private static List<Path> ruleTestFiles() throws IOException {
        try (Stream<Path> files = Files.list(RULE_TESTS)) {
            List<Path> tests =
                    files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
            assertThat(tests).isNotEmpty();
            return tests;
        }
    }

    /** Alert names a promtool test file expects to fire (an {@code alert_rule_test} with alerts). */
    @SuppressWarnings("unchecked")
    private static Set<String> expectedFiring(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        try (InputStream in = Files.newInputStream(file)) {
            Map<String, Object> root = new Yaml().load(in);
            for (Map<String, Object> test : (List<Map<String, Object>>) root.get("tests")) {
                for (Map<String, Object> check :
                        (List<Map<String, Object>>) test.getOrDefault("alert_rule_test", List.of())) {
                    List<?> expected = (List<?>) check.get("exp_alerts");
                    if (expected != null && !expected.isEmpty()) {
                        names.add((String) check.get("alertname"));
                    }
                }
            }
        }
        return names;
    }

    /** GitHub's heading anchors of a Markdown file. */
    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new TreeSet<>();
        Matcher heading = Pattern.compile("(?m)^#+\\s+(.+)$").matcher(Files.readString(markdown));
        while (heading.find()) {
            anchors.add(heading.group(1)
                    .strip()
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9 _-]", "")
                    .replace(' ', '-'));
        }
        return anchors;
    }

    /** promtool on the PATH, or the test is skipped with the reason. */
    static Path promtool() {
        Optional<Path> found = onPath("promtool");
        assumeTrue(found.isPresent(), "promtool is not on the PATH (Debian: apt-get install prometheus): skipped");
        return found.get();
    }

    static Optional<Path> onPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, executable))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static Result run(Path directory, String... command) throws Exception {
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("promtool finished")
                .isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exit, String output) {}
}
