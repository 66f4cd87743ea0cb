package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.dualcore.gateway.DualcoreGatewayApplication;
import io.dualcore.gateway.testsupport.TestClients;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A real gateway process (a child JVM on the test classpath) gets SIGTERM under steady load: readiness goes DOWN
 * first, the "load balancer" here stops routing to it once it sees that, and not one request fails, including those
 * in flight on a slow upstream when the signal came.
 */
class GracefulShutdownIT {

    /** Upstream latency, so that requests are in flight whenever the signal arrives. */
    private static final Duration UPSTREAM_LATENCY = Duration.ofMillis(200);

    private static final int CLIENTS = 4;

    private HttpServer upstream;

    private Process gateway;

    @AfterEach
    void stop() {
        if (this.gateway != null && this.gateway.isAlive()) {
            this.gateway.destroyForcibly();
        }
        if (this.upstream != null) {
            this.upstream.stop(0);
        }
    }

    @Test
    void sigtermWhenUnderSteadyLoadThenReadinessDownFirstAndNoRequestFails() throws Exception {
        this.upstream = slowUpstream();
        int port = freePort();
        int managementPort = freePort();
        this.gateway =
                startGateway(port, managementPort, this.upstream.getAddress().getPort());
        WebClient management = TestClients.webClient(managementPort);
        await("gateway ready")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    assertThat(this.gateway.isAlive())
                            .as("gateway process alive")
                            .isTrue();
                    return readiness(management) == 200;
                });

        WebClient client = TestClients.webClient(port);
        AtomicBoolean routable = new AtomicBoolean(true);
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger finishedAfterSignal = new AtomicInteger();
        AtomicLong signalledAt = new AtomicLong(Long.MAX_VALUE);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService load = Executors.newFixedThreadPool(CLIENTS);
        for (int i = 0; i < CLIENTS; i++) {
            load.submit(() -> {
                while (routable.get()) {
                    int status;
                    try {
                        status = status(client, "/api/public/ping");
                    } catch (RuntimeException ex) {
                        failures.add(ex.toString());
                        continue;
                    }
                    if (status == 200) {
                        succeeded.incrementAndGet();
                        if (System.nanoTime() > signalledAt.get()) {
                            finishedAfterSignal.incrementAndGet();
                        }
                    } else {
                        failures.add("status " + status);
                    }
                }
            });
        }
        await("steady load").atMost(Duration.ofSeconds(60)).until(() -> succeeded.get() >= 20);

        signalledAt.set(System.nanoTime());
        this.gateway.destroy(); // SIGTERM
        // the load balancer: stops routing once readiness is DOWN (or the management port is gone)
        await("readiness DOWN")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> readiness(management) != 200);
        routable.set(false);
        load.shutdown();
        assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(this.gateway.waitFor(60, TimeUnit.SECONDS))
                .as("gateway exited")
                .isTrue();

        assertThat(failures).as("failed requests").isEmpty();
        assertThat(finishedAfterSignal.get())
                .as("requests in flight or drained after SIGTERM completed")
                .isPositive();
    }

    /** The readiness probe's status, or -1 while the management port does not accept connections. */
    private static int readiness(WebClient management) {
        try {
            return status(management, "/actuator/health/readiness");
        } catch (RuntimeException notListening) {
            return -1;
        }
    }

    private static int status(WebClient client, String path) {
        return client.get()
                .uri(path)
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value()))
                .block(TestClients.TIMEOUT);
    }

    private Process startGateway(int port, int managementPort, int upstreamPort) throws IOException {
        Path logs = Path.of("target", "test-logs");
        Files.createDirectories(logs);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                DualcoreGatewayApplication.class.getName(),
                "--server.port=" + port,
                "--management.server.port=" + managementPort,
                "--MICROSERVICE_CORE_URI=http://127.0.0.1:" + upstreamPort,
                "--EDGE_CORE_URI=http://127.0.0.1:" + upstreamPort,
                "--dualcore.shutdown.drain=2s",
                "--spring.lifecycle.timeout-per-shutdown-phase=15s",
                "--management.otlp.metrics.export.enabled=false"));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        logs.resolve("graceful-shutdown-gateway.log").toFile()))
                .start();
    }

    private static HttpServer slowUpstream() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(UPSTREAM_LATENCY.toMillis());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
