package io.dualcore.gateway.testsupport.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * A real Redis for tests: an external one named by {@code REDIS_URL} / {@code -Dredis.url}, else a
 * {@code redis-server} from the PATH, else the binary shipped in the embedded-redis jar.
 *
 * <p>Managed servers run without persistence on a fixed port, so {@link #stop()} followed by {@link
 * #start()} simulates a Redis outage and recovery that clients see at the same address.
 */
public final class RedisServerFixture implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final String host;
    private final int port;
    /** Null for an external server, which this fixture never starts or stops. */
    private final Path executable;

    private final Path workDir;
    private Process process;
    private Thread shutdownHook;

    private RedisServerFixture(String host, int port, Path executable, Path workDir) {
        this.host = host;
        this.port = port;
        this.executable = executable;
        this.workDir = workDir;
    }

    /** Resolves the Redis to use and, unless it is external, starts it on a free local port. */
    public static RedisServerFixture startNew() {
        String url = configuredUrl();
        if (url != null) {
            RedisURI redisUri = RedisURI.create(url);
            RedisServerFixture external = new RedisServerFixture(redisUri.getHost(), redisUri.getPort(), null, null);
            if (!external.isRunning()) {
                throw new IllegalStateException("REDIS_URL/redis.url is set to " + url + " but no Redis answers PING");
            }
            return external;
        }
        Path workDir =
                Path.of(System.getProperty("redis.workdir", "target/redis")).toAbsolutePath();
        Path executable = executable(workDir);
        RedisServerFixture fixture = new RedisServerFixture(HOST, freePort(), executable, workDir);
        fixture.start();
        return fixture;
    }

    /** A redis-server binary: the PATH's, else the embedded-redis jar's, extracted into {@code workDir} once. */
    static Path executable(Path workDir) {
        return EmbeddedBinary.findOnPath().orElseGet(() -> EmbeddedBinary.extractTo(workDir));
    }

    /** Redis URI clients should connect to, e.g. {@code redis://127.0.0.1:41234}. */
    public String uri() {
        return "redis://" + host + ":" + port;
    }

    /** Host the server listens on. */
    public String host() {
        return host;
    }

    /** Port the server listens on; unchanged across {@link #stop()} / {@link #start()}. */
    public int port() {
        return port;
    }

    /** True when this fixture launched the server itself and can therefore stop and restart it. */
    public boolean isManaged() {
        return executable != null;
    }

    /** Starts the managed server (again) on the same port and waits until it answers PING. */
    public synchronized void start() {
        requireManaged("start");
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(workDir);
            Path log = workDir.resolve("redis-" + port + ".log");
            List<String> command = new ArrayList<>(List.of(executable.toString(), "--port", String.valueOf(port)));
            // no persistence: a restart must come back empty, and nothing may be written next to the sources
            command.addAll(List.of("--bind", HOST, "--save", "", "--appendonly", "no", "--dir", workDir.toString()));
            process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            registerShutdownHook();
            awaitReady(log);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot launch " + executable + " on port " + port, e);
        }
    }

    /** Stops the managed server; clients then see connection failures until {@link #start()}. */
    public synchronized void stop() {
        requireManaged("stop");
        if (process == null) {
            return;
        }
        process.destroy(); // SIGTERM: redis shuts down cleanly and releases the port
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** True when a Redis answers PING at {@link #uri()}. */
    public boolean isRunning() {
        return ping();
    }

    /** Deletes every key so tests sharing the server start from a clean slate. */
    public void flushAll() {
        RedisClient client = RedisClient.create(uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().flushall();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Stops a managed server for good; a no-op for an external one. */
    @Override
    public synchronized void close() {
        if (!isManaged()) {
            return;
        }
        stop();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or about to; nothing left to undo
            }
            shutdownHook = null;
        }
    }

    @Override
    public String toString() {
        return "RedisServerFixture[" + uri() + (isManaged() ? ", " + executable : ", external") + "]";
    }

    private void awaitReady(Path log) {
        Process started = process;
        try {
            Awaitility.await("redis-server on port " + port + " answers PING")
                    .atMost(READY_TIMEOUT)
                    .pollInterval(Duration.ofMillis(20))
                    .failFast("redis-server exited before answering PING", () -> !started.isAlive())
                    .until(this::ping);
        } catch (TerminalFailureException exited) {
            throw new IllegalStateException("redis-server exited with code " + started.exitValue() + " on port " + port
                    + " before answering PING; output:\n" + readLog(log));
        } catch (ConditionTimeoutException slow) {
            throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                    + READY_TIMEOUT + "; output:\n" + readLog(log));
        }
    }

    /** Inline-protocol PING over a plain socket: cheap enough to poll and independent of client retries. */
    private boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] reply = socket.getInputStream().readNBytes(7);
            return "+PONG\r\n".equals(new String(reply, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    private void registerShutdownHook() {
        if (shutdownHook == null) {
            // safety net: never leave an orphaned redis-server behind if the run ends without close()
            shutdownHook = new Thread(() -> {
                Process running = process;
                if (running != null) {
                    running.destroyForcibly();
                }
            });
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    private void requireManaged(String action) {
        if (!isManaged()) {
            throw new IllegalStateException(
                    "Cannot " + action + " the external Redis at " + uri() + " (set via REDIS_URL/redis.url)");
        }
    }

    private static String configuredUrl() {
        String url = System.getProperty("redis.url");
        if (url == null || url.isBlank()) {
            url = System.getenv("REDIS_URL");
        }
        return url == null || url.isBlank() ? null : url.trim();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot find a free local port for Redis", e);
        }
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Locates a redis-server binary: the PATH first, else the build shipped in the embedded-redis jar. */
    private static final class EmbeddedBinary {

        private EmbeddedBinary() {}

        static Optional<Path> findOnPath() {
            String path = System.getenv("PATH");
            if (path == null) {
                return Optional.empty();
            }
            String name = isWindows() ? "redis-server.exe" : "redis-server";
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isBlank()) {
                    continue;
                }
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
            return Optional.empty();
        }

        /**
         * Copies the jar's binary into {@code dir} once; the temp-file-then-move keeps parallel test JVMs from
         * ever executing a half-written file.
         */
        static Path extractTo(Path dir) {
            String resource = resourceName();
            Path target = dir.resolve(resource);
            if (Files.isExecutable(target)) {
                return target;
            }
            try (InputStream in = RedisServerFixture.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("No " + resource + " on the test classpath: is"
                            + " com.github.codemonstur:embedded-redis a test dependency? Or put redis-server on"
                            + " the PATH, or set REDIS_URL");
                }
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, resource, ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                if (!tmp.toFile().setExecutable(true)) {
                    throw new IllegalStateException("Cannot make " + tmp + " executable");
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } catch (IOException e) {
                throw new IllegalStateException("Cannot extract " + resource + " to " + dir, e);
            }
        }

        /** The binaries embedded-redis 1.4.3 ships, keyed by this JVM's OS and CPU. */
        private static String resourceName() {
            String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
            boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
            boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
            boolean x86 = arch.equals("x86") || arch.equals("i386") || arch.equals("i686");
            if (os.contains("linux") && x64) {
                return "redis-server-6.2.6-v5-linux-amd64";
            }
            if (os.contains("linux") && arm64) {
                return "redis-server-6.2.7-linux-arm64";
            }
            if (os.contains("linux") && x86) {
                return "redis-server-6.2.7-linux-386";
            }
            if (os.contains("mac") && x64) {
                return "redis-server-6.2.6-v5-darwin-amd64";
            }
            if (os.contains("mac") && arm64) {
                return "redis-server-6.2.6-v5-darwin-arm64";
            }
            if (isWindows()) {
                return "redis-server-5.0.14.1-windows-amd64.exe";
            }
            throw new IllegalStateException("No embedded redis-server for " + os + "/" + arch
                    + ": install redis-server on the PATH or set REDIS_URL");
        }

        private static boolean isWindows() {
            return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win");
        }
    }
}
