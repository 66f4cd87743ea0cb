package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import io.dualcore.gateway.web.ConnectionLimits.CloseReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Connection limits and timeouts over raw sockets, against two gateways: one with timeouts of a few seconds (a silent
 * connection, a trickled head, a stalled body, an idle keep-alive connection), one with a handful of connections
 * allowed on each port. Throughout, a well-behaved client on a connection of its own keeps getting 200.
 */
class ConnectionLimitsIT {

    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);

    private static final String PUBLIC = "/api/public/health";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static EchoCore core;

    private static TestGateway timeouts;

    private static TestGateway limited;

    @BeforeAll
    static void start() {
        core = EchoCore.start("microservice-core", "127.0.0.1", 0);
        timeouts = TestGateway.start(Map.of(
                "MICROSERVICE_CORE_URI",
                core.uri(),
                "EDGE_CORE_URI",
                core.uri(),
                "dualcore.connections.header-read-timeout",
                HEADER_TIMEOUT.toMillis() + "ms",
                "dualcore.connections.body-read-timeout",
                "2s",
                "dualcore.connections.keep-alive-timeout",
                "3s"));
        limited = TestGateway.start(Map.of(
                "MICROSERVICE_CORE_URI",
                core.uri(),
                "EDGE_CORE_URI",
                core.uri(),
                "dualcore.connections.max-connections",
                "3",
                "dualcore.connections.management-max-connections",
                "2"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {timeouts, limited, core}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
    }

    @Test
    void silentConnectionWhenHeaderTimeoutPassesThenClosedWithoutAnswer() throws IOException {
        long before = closed(timeouts, CloseReason.HEADER_TIMEOUT);
        try (Socket silent = connect(timeouts.port())) {
            assertNormalClientServed(timeouts);
            assertThat(readUntilClosed(silent))
                    .as("a connection that sent nothing gets no answer")
                    .isEmpty();
        }
        assertThat(closed(timeouts, CloseReason.HEADER_TIMEOUT)).isGreaterThan(before);
    }

    @Test
    void trickledHeadWhenBytesKeepComingThenWholeHeadDeadline408AndClosed() throws Exception {
        long before = closed(timeouts, CloseReason.HEADER_TIMEOUT);
        try (Socket slow = connect(timeouts.port())) {
            OutputStream out = slow.getOutputStream();
            out.write(("GET " + PUBLIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // one header byte every 200 ms for far longer than the header timeout: only a whole-head deadline ends it
            int planned = 200;
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                try {
                    while (!stop.get() && sent.get() < planned) {
                        out.write('x');
                        out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the gateway closed the connection: the point of the test
                }
            });
            assertNormalClientServed(timeouts);
            String answer = readUntilClosed(slow);
            stop.set(true);
            trickle.get();
            assertProblem(answer, 408, "request_timeout");
            assertThat(RawHttp.headers(answer).toLowerCase()).contains("connection: close");
            assertThat(sent.get())
                    .as("closed while the client was still sending its head")
                    .isGreaterThan(0)
                    .isLessThan(planned);
        }
        assertThat(closed(timeouts, CloseReason.HEADER_TIMEOUT)).isGreaterThan(before);
        assertNormalClientServed(timeouts);
    }

    @Test
    void stalledBodyWhenBodyTimeoutPassesThen408AndClosed() throws IOException {
        long before = closed(timeouts, CloseReason.BODY_TIMEOUT);
        try (Socket stalled = connect(timeouts.port())) {
            String head = "POST " + PUBLIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 100\r\n\r\n";
            stalled.getOutputStream().write((head + "only ten b").getBytes(StandardCharsets.ISO_8859_1));
            stalled.getOutputStream().flush();
            assertNormalClientServed(timeouts);
            String answer = readUntilClosed(stalled);
            JsonNode problem = assertProblem(answer, 408, "request_timeout");
            assertThat(problem.path("instance").asString()).isEqualTo(PUBLIC);
            assertThat(RawHttp.headers(answer).toLowerCase()).contains("connection: close");
        }
        assertThat(closed(timeouts, CloseReason.BODY_TIMEOUT)).isGreaterThan(before);
        assertNormalClientServed(timeouts);
        // the exchange itself ended with the 408: its metrics (and audit line) say so, never a 500
        String metrics = timeouts.management("/actuator/prometheus").getBody();
        assertThat(metrics)
                .containsPattern("dualcore_requests_total\\{[^}]*route=\"public-health\",status=\"408\"} [1-9]")
                .doesNotContainPattern("dualcore_requests_total\\{[^}]*status=\"500\"}");
    }

    @Test
    void keepAliveConnectionWhenIdleThenClosedAfterKeepAliveTimeoutAndReusableBefore() throws IOException {
        long before = closed(timeouts, CloseReason.KEEP_ALIVE_TIMEOUT);
        try (Socket keepAlive = connect(timeouts.port())) {
            String request = "GET " + PUBLIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            for (int i = 0; i < 3; i++) {
                keepAlive.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                keepAlive.getOutputStream().flush();
                assertThat(RawHttp.status(readOneResponse(keepAlive.getInputStream())))
                        .isEqualTo(200);
            }
            assertNormalClientServed(timeouts);
            assertThat(readUntilClosed(keepAlive))
                    .as("an idle keep-alive connection is closed without a word")
                    .isEmpty();
        }
        assertThat(closed(timeouts, CloseReason.KEEP_ALIVE_TIMEOUT)).isGreaterThan(before);
    }

    @Test
    void tooManyConnectionsWhenLimitReachedThenNewOnesClosedAndCountedUntilRoomAgain() throws IOException {
        ConnectionLimits limits = limits(limited, "gatewayConnectionLimits");
        long before = limits.closedCount(CloseReason.MAX_CONNECTIONS);
        List<Socket> held = new ArrayList<>();
        try {
            await().atMost(TestClients.TIMEOUT).until(() -> limits.open() == 0);
            for (int i = 0; i < 3; i++) {
                held.add(connect(limited.port()));
            }
            await().atMost(TestClients.TIMEOUT).until(() -> limits.open() == 3);
            try (Socket refused = connect(limited.port())) {
                refused.getOutputStream()
                        .write(("GET " + PUBLIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readUntilClosed(refused))
                        .as("refused at once, nothing read")
                        .isEmpty();
            } catch (SocketException reset) {
                // closed before the request could even be written: refused as well
            }
            assertThat(limits.closedCount(CloseReason.MAX_CONNECTIONS)).isEqualTo(before + 1);
            assertThat(limits.open()).isEqualTo(3);
            // the management port counts apart: probes still work while the gateway port is full
            assertThat(RawHttp.status(RawHttp.get(limited.managementPort(), "/actuator/health/liveness")))
                    .isEqualTo(200);
            held.remove(0).close();
            await().atMost(TestClients.TIMEOUT).until(() -> limits.open() == 2);
            assertNormalClientServed(limited);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void metricsWhenConnectionsClosedByLimitsThenCountedByReasonAndServer() throws IOException {
        try (Socket silent = connect(timeouts.port())) {
            assertThat(readUntilClosed(silent)).isEmpty();
        }
        long closed = closed(timeouts, CloseReason.HEADER_TIMEOUT);
        assertThat(closed).isPositive();
        String metrics = timeouts.management("/actuator/prometheus").getBody();
        assertThat(metrics)
                .contains("dualcore_connections_closed_total{reason=\"header_timeout\",server=\"gateway\"} " + closed
                        + ".0")
                .contains("dualcore_connections_closed_total{reason=\"max_connections\",server=\"management\"}")
                .containsPattern("dualcore_connections_open\\{server=\"gateway\"} [0-9]")
                .containsPattern("dualcore_connections_open\\{server=\"management\"} [1-9]");
    }

    @Test
    void managementPortWhenItsLimitReachedThenNewOnesClosedAndGatewayPortUnaffected() throws IOException {
        ConnectionLimits management = limits(limited, "managementConnectionLimits");
        long before = management.closedCount(CloseReason.MAX_CONNECTIONS);
        List<Socket> held = new ArrayList<>();
        try {
            await().atMost(TestClients.TIMEOUT).until(() -> management.open() == 0);
            for (int i = 0; i < 2; i++) {
                held.add(connect(limited.managementPort()));
            }
            await().atMost(TestClients.TIMEOUT).until(() -> management.open() == 2);
            try (Socket refused = connect(limited.managementPort())) {
                assertThat(readUntilClosed(refused)).isEmpty();
            }
            assertThat(management.closedCount(CloseReason.MAX_CONNECTIONS)).isEqualTo(before + 1);
            assertThat(limits(limited, "gatewayConnectionLimits").open())
                    .as("management connections are not counted on the gateway port")
                    .isLessThanOrEqualTo(1);
            assertNormalClientServed(limited);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void requestTargetWhenNotAUriThenProblem400AndClosed() {
        String answer = RawHttp.exchange(timeouts.port(), "GET /api/public/a|b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertProblem(answer, 400, "invalid_request_target");
        assertThat(RawHttp.headers(answer).toLowerCase()).contains("connection: close");
        assertNormalClientServed(timeouts);
    }

    @Test
    void requestTargetWhenMalformedEscapeThenProblem400NotABare400() {
        for (String target : List.of("/api/public/%zz", "/api/public/a%2", "/api/public/a^b")) {
            String answer = RawHttp.get(timeouts.port(), target);
            assertProblem(answer, 400, "invalid_request_target");
        }
    }

    @Test
    void managementPortWhenSilentConnectionThenClosedByTheSameTimeout() throws IOException {
        try (Socket silent = connect(timeouts.managementPort())) {
            assertThat(readUntilClosed(silent)).isEmpty();
        }
        assertThat(limits(timeouts, "managementConnectionLimits").closedCount(CloseReason.HEADER_TIMEOUT))
                .isPositive();
    }

    @Test
    void requestWhenDecoderCannotParseThenProblem400AndClosed() {
        String answer = RawHttp.exchange(timeouts.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n");
        assertProblem(answer, 400, "malformed_request");
        assertThat(RawHttp.headers(answer).toLowerCase()).contains("connection: close");
        assertNormalClientServed(timeouts);
    }

    @Test
    void requestLineWhenTooLongThenProblem414AndClosed() {
        String answer = RawHttp.exchange(
                timeouts.port(), "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertProblem(answer, 414, "request_line_too_long");
        assertNormalClientServed(timeouts);
    }

    private static JsonNode assertProblem(String answer, int status, String code) {
        assertThat(RawHttp.status(answer)).as(answer).isEqualTo(status);
        assertThat(RawHttp.headers(answer).toLowerCase()).contains("content-type: application/problem+json");
        JsonNode problem = JSON.readTree(RawHttp.body(answer));
        assertThat(problem.path("code").asString()).isEqualTo(code);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asString()).isEqualTo("urn:dualcore:problem:" + code);
        return problem;
    }

    private static void assertNormalClientServed(TestGateway gateway) {
        assertThat(RawHttp.status(RawHttp.get(gateway.port(), PUBLIC))).isEqualTo(200);
    }

    private static long closed(TestGateway gateway, CloseReason reason) {
        return limits(gateway, "gatewayConnectionLimits").closedCount(reason);
    }

    private static ConnectionLimits limits(TestGateway gateway, String name) {
        return gateway.beans(ConnectionLimits.class).get(name);
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TestClients.TIMEOUT.toMillis());
        socket.setSoTimeout((int) TestClients.TIMEOUT.toMillis());
        return socket;
    }

    /** Everything the server sends until it closes the connection; fails when it is still open after the timeout. */
    private static String readUntilClosed(Socket socket) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        InputStream in = socket.getInputStream();
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                answer.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException ex) {
            throw new AssertionError("the gateway did not close the connection within " + TestClients.TIMEOUT
                    + "; answered so far: " + answer.toString(StandardCharsets.ISO_8859_1));
        } catch (SocketException reset) {
            // a reset after the answer: what was read is the answer
        }
        return answer.toString(StandardCharsets.ISO_8859_1);
    }

    /** One response with a {@code Content-Length} body, leaving the connection open. */
    private static String readOneResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed before the response head: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        assertThat(body).hasSize(length);
        return headers + new String(body, StandardCharsets.ISO_8859_1);
    }
}
