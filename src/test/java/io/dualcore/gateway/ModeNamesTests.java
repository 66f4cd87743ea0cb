package io.dualcore.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A verification mode is named once: the literals {@code "oidc"} and {@code "edge"} appear only in the mode's own
 * package ({@code auth/oidc}, {@code auth/edge}) and in {@code config}, and {@code "anonymous"} only as
 * {@code auth.Mode.ANONYMOUS}; everything else resolves names through {@code auth.VerificationModes}.
 */
class ModeNamesTests {

    private static final Path MAIN = Path.of("src/main/java/io/dualcore/gateway");

    @Test
    void sourcesWhenScannedThenModeNamesOnlyInTheirOwnPackageAndConfig() throws IOException {
        assertThat(spelledOutside("\"oidc\"", "auth/oidc/", "config/")).isEmpty();
        assertThat(spelledOutside("\"edge\"", "auth/edge/", "config/")).isEmpty();
        assertThat(spelledOutside("\"anonymous\"", "auth/Mode.java")).isEmpty();
    }

    @Test
    void scanWhenLiteralPresentThenFound() throws IOException {
        // the scan itself works: the mode's own package does spell its name
        assertThat(spelledOutside("\"oidc\"", "auth/edge/", "config/")).isNotEmpty();
    }

    private static List<String> spelledOutside(String literal, String... allowed) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String relative = MAIN.relativize(file).toString().replace('\\', '/');
                if (Stream.of(allowed).anyMatch(relative::startsWith)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).trim();
                    if (!line.startsWith("*") && !line.startsWith("//") && line.contains(literal)) {
                        found.add(relative + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        return found;
    }
}
