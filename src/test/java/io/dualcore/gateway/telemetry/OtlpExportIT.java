package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.TestGateway;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * OTLP export happens only where an endpoint is configured: without one no exporter exists, no connection is made
 * (not even to the {@code localhost:4318} default) and nothing is logged; with one, metrics and spans arrive there.
 */
@ExtendWith(OutputCaptureExtension.class)
class OtlpExportIT {

    /** Where Micrometer's OTLP registry pushes when no URL is set. */
    private static final int DEFAULT_OTLP_PORT = 4318;

    /** Several push periods of the 1 s step below: an enabled registry would have pushed within this. */
    private static final Duration QUIET_PERIOD = Duration.ofSeconds(4);

    private static final Duration EXPORT_DEADLINE = Duration.ofSeconds(60);

    private static EchoCore core;

    @BeforeAll
    static void startCore() {
        core = EchoCore.start("core", "127.0.0.1", 0);
    }

    @AfterAll
    static void stopCore() {
        core.close();
    }

    @Test
    void gatewayWhenNoOtlpEndpointThenNoExporterNoConnectionAndNoWarning(CapturedOutput output) throws Exception {
        // hold the default port when it is free, so a push there would be seen rather than refused
        ServerSocket defaultPort = bindIfFree(DEFAULT_OTLP_PORT);
        AtomicInteger accepted = new AtomicInteger();
        Thread acceptor = new Thread(
                () -> {
                    try {
                        while (true) {
                            try (Socket connection = defaultPort.accept()) {
                                // other programs on a shared machine may push to the default port too: count ours
                                if (openedByThisProcess(connection.getPort())) {
                                    accepted.incrementAndGet();
                                }
                            }
                        }
                    } catch (IOException closed) {
                        // the test is over
                    }
                },
                "otlp-default-port");
        acceptor.setDaemon(true);
        if (defaultPort != null) {
            acceptor.start();
        }
        try (TestGateway gateway = TestGateway.start(properties(Map.of()))) {
            assertThat(gateway.beans(OtlpMeterRegistry.class))
                    .as("OTLP metrics registry")
                    .isEmpty();
            assertThat(gateway.beans(SpanExporter.class)).as("span exporters").isEmpty();
            assertThat(gateway.get("/api/public/health", null).getStatusCode().value())
                    .isEqualTo(200);
            // nothing may connect during the whole quiet period
            Awaitility.await("no connection to localhost:4318")
                    .during(QUIET_PERIOD)
                    .atMost(QUIET_PERIOD.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> accepted.get() == 0);
            assertThat(gateway.management("/actuator/prometheus")
                            .getStatusCode()
                            .value())
                    .as("metrics still served locally")
                    .isEqualTo(200);
        } finally {
            if (defaultPort != null) {
                defaultPort.close();
                acceptor.join(Duration.ofSeconds(5).toMillis());
            }
        }
        assertThat(accepted.get())
                .as("connections from this JVM to localhost:4318")
                .isZero();
        assertThat(output.getAll())
                .doesNotContain("Failed to publish metrics")
                .doesNotContainPattern("(?i)WARN.*(otlp|opentelemetry\\.exporter)")
                .doesNotContain("localhost:" + DEFAULT_OTLP_PORT + "/");
    }

    @Test
    void gatewayWhenOtlpEndpointSetThenMetricsAndSpansPushedThere() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange -> {
            received.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try (TestGateway gateway = TestGateway.start(properties(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:" + collector.getAddress().getPort())))) {
            assertThat(gateway.beans(OtlpMeterRegistry.class)).hasSize(1);
            assertThat(gateway.beans(SpanExporter.class)).isNotEmpty();
            assertThat(gateway.get("/api/public/health", null).getStatusCode().value())
                    .isEqualTo(200);
            await(() -> received.contains("POST /v1/metrics") && received.contains("POST /v1/traces"));
        } finally {
            collector.stop(0);
        }
        assertThat(received).contains("POST /v1/metrics", "POST /v1/traces");
    }

    private static Map<String, String> properties(Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("MICROSERVICE_CORE_URI", core.uri());
        properties.put("EDGE_CORE_URI", core.uri());
        // no IdP in this test: an issuer on a closed local port, so nothing else is reached either
        properties.put("dualcore.auth.oidc.issuers[0].name", "dualcore");
        properties.put("dualcore.auth.oidc.issuers[0].issuer-uri", "http://127.0.0.1:9/realms/dualcore");
        properties.put("dualcore.auth.oidc.issuers[0].audiences", "dualcore-gateway");
        properties.put("management.tracing.sampling.probability", "1.0");
        properties.put("management.otlp.metrics.export.step", "1s");
        properties.put("management.opentelemetry.tracing.export.schedule-delay", "100ms");
        properties.putAll(extra);
        return properties;
    }

    private static ServerSocket bindIfFree(int port) {
        try {
            return new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        } catch (IOException taken) {
            return null;
        }
    }

    /**
     * Whether the loopback connection coming from {@code port} was opened by this JVM: on Linux, the socket of that
     * local port in {@code /proc/self/net/tcp[6]} is one of this process's file descriptors. Elsewhere every
     * connection counts.
     */
    private static boolean openedByThisProcess(int port) {
        Path descriptors = Path.of("/proc/self/fd");
        if (!Files.isDirectory(descriptors)) {
            return true;
        }
        try (Stream<Path> fds = Files.list(descriptors)) {
            Set<String> ownSockets = new HashSet<>();
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        ownSockets.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed while listing
                }
            });
            String hexPort = String.format(":%04X", port);
            for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length > 9 && fields[1].endsWith(hexPort) && ownSockets.contains(fields[9])) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException unreadable) {
            return true;
        }
    }

    private static void await(BooleanSupplier condition) {
        Awaitility.await()
                .atMost(EXPORT_DEADLINE)
                .pollInterval(Duration.ofMillis(100))
                .until(condition::getAsBoolean);
    }
}
