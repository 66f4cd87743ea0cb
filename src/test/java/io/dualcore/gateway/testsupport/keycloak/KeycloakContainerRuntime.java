package io.dualcore.gateway.testsupport.keycloak;

import dasniko.testcontainers.keycloak.KeycloakContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.MountableFile;

/**
 * Keycloak as the official container image, with the realm files of the distribution path imported on start.
 * Loaded only when {@link KeycloakProvider#TESTCONTAINERS} is selected (or {@code auto} probes Docker), so the
 * default path never initialises Testcontainers (even constructing a container asks Docker for its image).
 */
final class KeycloakContainerRuntime implements KeycloakRuntime {

    /** The image matching the distribution the build unpacks ({@code keycloak.version} in the pom). */
    static final String DEFAULT_IMAGE = "quay.io/keycloak/keycloak:26.5.6";

    static final String IMPORT_DIR = "/opt/keycloak/data/import/";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(300);

    private final String image;

    private final KeycloakContainer container;

    private boolean stopped;

    private KeycloakContainerRuntime(String image, KeycloakContainer container) {
        this.image = image;
        this.container = container;
    }

    /** Configures (does not start) a container importing every {@code *.json} of the realm directory. */
    static KeycloakContainerRuntime create(
            String image, Path realmExportDir, String adminUsername, String adminPassword) {
        KeycloakContainer container = new KeycloakContainer(image)
                .withAdminUsername(adminUsername)
                .withAdminPassword(adminPassword)
                .withStartupTimeout(STARTUP_TIMEOUT);
        imports(realmExportDir)
                .forEach((file, target) -> container.withCopyFileToContainer(MountableFile.forHostPath(file), target));
        return new KeycloakContainerRuntime(image, container);
    }

    /** Whether a Docker engine answers; asked only when {@code keycloak.provider=auto}. */
    static boolean dockerAvailable() {
        if (!dockerHinted()) {
            // nothing suggests an engine: answer at once instead of letting Testcontainers try every strategy
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError noDocker) {
            return false;
        }
    }

    private static boolean dockerHinted() {
        String home = System.getProperty("user.home");
        return System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(home, ".docker", "run", "docker.sock"))
                || Files.exists(Path.of(home, ".testcontainers.properties"));
    }

    /**
     * The realm files the container imports on start, each to where {@code --import-realm} reads: every
     * {@code *.json} of the directory, as the distribution path stages them.
     */
    static Map<Path, String> imports(Path realmExportDir) {
        try (Stream<Path> files = Files.list(realmExportDir)) {
            Map<Path, String> imports = new LinkedHashMap<>();
            files.filter(p -> p.toString().endsWith(".json"))
                    .sorted()
                    .forEach(file -> imports.put(file, IMPORT_DIR + file.getFileName()));
            return imports;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list realm files in " + realmExportDir, e);
        }
    }

    String image() {
        return this.image;
    }

    /** The base URL on the mapped port; known once started. */
    String authServerUrl() {
        return this.container.getAuthServerUrl();
    }

    @Override
    public synchronized void start() {
        if (this.stopped) {
            // a restarted container gets a new mapped port, and with it a new issuer: no test relies on that
            throw new IllegalStateException("A stopped Keycloak container cannot be restarted; start a new fixture");
        }
        this.container.start();
    }

    @Override
    public synchronized void stop() {
        this.stopped = true;
        this.container.stop();
    }
}
