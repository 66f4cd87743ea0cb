package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image's build steps that run Java, as the {@code Dockerfile} writes them, on the packaged jar (built
 * in the {@code package} phase before the integration tests): the layered extraction, then the class data sharing
 * (CDS) training run, whose JVM dumps the archive at exit; then a start on that archive with the shipped defaults.
 * The training run once crashed the JVM while dumping (a signed provider jar's lambdas, JDK 17): a {@code docker
 * build} would have failed with it, and nothing else in the build runs these lines.
 */
class ImageTrainingRunIT {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    private static final Path JAR = ROOT.resolve("target/dualcore-gateway.jar");

    /** The Dockerfile's {@code COPY --from=layers} lines, in their order. */
    private static final List<String> LAYERS =
            List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");

    @TempDir
    Path temp;

    @Test
    void trainingRunWhenAsTheDockerfileWritesItThenArchiveDumpedAndUsedWithTheShippedDefaults() throws Exception {
        assertThat(JAR).as("the packaged jar (package phase)").exists();
        List<String> dockerfile = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String extract = runLine(dockerfile, "-Djarmode=tools");
        String training = runLine(dockerfile, "-XX:ArchiveClassesAtExit=");

        Path build = Files.createDirectories(this.temp.resolve("build"));
        Files.copy(JAR, build.resolve("application.jar"));
        Run extracted = run(build, extract, Map.of());
        assertThat(extracted.exit()).as("extraction: " + extracted.output()).isZero();

        Path app = Files.createDirectories(this.temp.resolve("app"));
        for (String layer : LAYERS) {
            copyTree(build.resolve("extracted").resolve(layer), app);
        }
        copyTree(ROOT.resolve("config"), app.resolve("config"));

        // no Redis, no identity provider and no free port needed at build time: the context only refreshes
        Map<String, String> buildEnvironment = Map.of("SERVER_PORT", "0", "MANAGEMENT_PORT", "0", "REDIS_URL", "");
        Run trained = run(app, training, buildEnvironment);
        assertThat(trained.exit()).as("training run: " + tail(trained.output())).isZero();
        assertThat(app.resolve("application.jsa")).isNotEmptyFile();

        // the image's entry point on the archive, shipped defaults (signature provider auto), exiting after refresh
        Run started = run(
                app,
                "java -XX:SharedArchiveFile=application.jsa -Xlog:cds=info -Dspring.context.exit=onRefresh "
                        + "-jar application.jar",
                buildEnvironment);
        assertThat(started.exit())
                .as("start on the archive: " + tail(started.output()))
                .isZero();
        assertThat(started.output()).contains("Mapped dynamic region");
    }

    private static String runLine(List<String> dockerfile, String marker) {
        List<String> lines = dockerfile.stream()
                .filter(line -> line.startsWith("RUN ") && line.contains(marker))
                .toList();
        assertThat(lines).as("the Dockerfile's RUN line with " + marker).hasSize(1);
        return lines.get(0).substring("RUN ".length());
    }

    private record Run(int exit, String output) {}

    /** Runs a shell command line as Docker's {@code RUN} does, with this JVM's {@code java} first on the path. */
    private Run run(Path directory, String commandLine, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", commandLine).directory(directory.toFile());
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        builder.environment().put("PATH", javaBin + ":" + builder.environment().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().remove("SPRING_CONFIG_LOCATION");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().putAll(environment);
        Path output = Files.createTempFile(this.temp, "run", ".log");
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        Process process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("not finished in 180 s: " + commandLine + "\n" + tail(Files.readString(output)));
        }
        return new Run(process.exitValue(), Files.readString(output));
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 4_000));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            // an empty layer (snapshot-dependencies without snapshots) is not extracted at all
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
