package io.dualcore.gateway.testsupport.keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/** Launches {@code bin/kc.sh start-dev} from an unpacked distribution, waits for readiness and tears it down. */
final class KeycloakProcess implements KeycloakRuntime {

    /**
     * A deadline, not a wait: readiness is polled. Generous because a loaded 2-core machine has been seen spending
     * two minutes in Quarkus' augmentation alone; {@code -Dkeycloak.ready-timeout=PT15M} raises it further.
     */
    private static final Duration READY_TIMEOUT = Duration.parse(System.getProperty("keycloak.ready-timeout", "PT10M"));

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    // Keycloak's own JVM defaults stay in place; only the heap is capped because the test machine is small
    private static final String HEAP_OPTIONS = "-Xms64m -Xmx768m";
    private static final int LOG_TAIL_LINES = 60;

    private final Path home;
    private final Path logFile;
    private final int httpPort;
    private final int managementPort;
    private final String adminUsername;
    private final String adminPassword;
    private final URI readinessUri;
    private final KeycloakHttp http;

    private Process process;
    private Thread shutdownHook;

    KeycloakProcess(
            Path home,
            Path logFile,
            int httpPort,
            int managementPort,
            String adminUsername,
            String adminPassword,
            URI readinessUri,
            KeycloakHttp http) {
        this.home = home;
        this.logFile = logFile;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.adminUsername = adminUsername;
        this.adminPassword = adminPassword;
        this.readinessUri = readinessUri;
        this.http = http;
    }

    /** Wipes the dev database and stages the realm files so the next start imports them afresh. */
    void resetData(Path realmExportDir) {
        Path data = home.resolve("data");
        Path importDir = data.resolve("import");
        deleteRecursively(data);
        try {
            Files.createDirectories(importDir);
            try (Stream<Path> files = Files.list(realmExportDir)) {
                for (Path file :
                        files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    Files.copy(file, importDir.resolve(file.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stage realm files from " + realmExportDir, e);
        }
    }

    /** Starts Keycloak and blocks until the readiness URI answers 200. */
    @Override
    public synchronized void start() {
        if (isAlive()) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(command())
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Map<String, String> env = builder.environment();
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", adminUsername);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        // JAVA_OPTS would replace all of kc.sh's JVM defaults; JAVA_OPTS_KC_HEAP only replaces the heap sizing
        env.put("JAVA_OPTS_KC_HEAP", HEAP_OPTIONS);
        // run Keycloak on the same JDK as the caller unless the environment says otherwise
        env.putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot launch " + home.resolve("bin/kc.sh"), e);
        }
        // an aborted test JVM must not leave an orphaned Keycloak holding the ports
        shutdownHook = new Thread(this::destroyTree, "keycloak-" + httpPort + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        awaitReady();
    }

    /** Stops the process tree (the kc.sh shell and its JVM) and waits for it to exit. */
    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        destroyTree();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run; nothing left to unregister
        }
        process = null;
        shutdownHook = null;
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/kc.sh").toString());
        command.add("start-dev");
        command.add("--http-port=" + httpPort);
        command.add("--http-management-port=" + managementPort);
        command.add("--health-enabled=true");
        command.add("--import-realm");
        return command;
    }

    private void awaitReady() {
        Process started = process;
        try {
            Awaitility.await("Keycloak ready at " + readinessUri)
                    .atMost(READY_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    .failFast("Keycloak exited before becoming ready", () -> !started.isAlive())
                    .until(this::answersOk);
        } catch (TerminalFailureException exited) {
            int exit = started.exitValue();
            stop();
            throw new IllegalStateException("Keycloak exited with " + exit + " before becoming ready\n" + logTail());
        } catch (ConditionTimeoutException slow) {
            stop();
            throw new IllegalStateException("Keycloak not ready within " + READY_TIMEOUT.toSeconds() + " s at "
                    + readinessUri + "\n" + logTail());
        }
    }

    private boolean answersOk() {
        try {
            HttpResponse<String> response = http.sendJson("GET", readinessUri, null, null);
            return response.statusCode() == 200;
        } catch (IllegalStateException notListeningYet) {
            return false;
        }
    }

    private void destroyTree() {
        Process current = process;
        if (current == null) {
            return;
        }
        // kc.sh forwards SIGTERM to its JVM, but signal the JVM directly too in case the shell is gone first
        List<ProcessHandle> descendants = current.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        current.destroy();
        awaitExit(current.toHandle(), descendants);
    }

    private static void awaitExit(ProcessHandle root, List<ProcessHandle> descendants) {
        List<ProcessHandle> all = new ArrayList<>(descendants);
        all.add(root);
        Instant deadline = Instant.now().plus(STOP_TIMEOUT);
        for (ProcessHandle handle : all) {
            try {
                Duration left = Duration.between(Instant.now(), deadline);
                handle.onExit().get(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
            } catch (Exception notExitedInTime) {
                handle.destroyForcibly();
            }
        }
    }

    private String logTail() {
        try (Stream<String> lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            return "--- last lines of " + logFile + " ---\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log " + logFile + " unreadable: " + e + ")";
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }
}
