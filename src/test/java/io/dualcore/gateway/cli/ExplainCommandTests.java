package io.dualcore.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The explain command against a stand-in management endpoint (the real one: ExplainIT). */
class ExplainCommandTests {

    private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0LXNpZ25hdHVyZQ";

    private static final String EXPLANATION = "{\"outcome\":\"refused\",\"status\":403,"
            + "\"problem\":{\"code\":\"policy_denied\",\"detail\":\"Telemetry is read-only\"},"
            + "\"token\":\"eyJhbGci… (70 chars, sha256:0123456789ab)\","
            + "\"steps\":[{\"step\":\"path\",\"result\":\"/telemetry/readings\"},"
            + "{\"step\":\"policy\",\"result\":\"denied policy_denied\"}]}";

    @Test
    void explainWhenGatewayAnswersThenStepsAsTextAndTheRequestCarriesMethodPathAndToken() throws IOException {
        AtomicReference<String> body = new AtomicReference<>();
        AtomicReference<String> authorization = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/admin/explain", exchange -> {
            body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] answer = EXPLANATION.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        try {
            Result result = run(
                    "explain",
                    "--gateway",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "--token",
                    "admin-token",
                    "--method",
                    "post",
                    "--path",
                    "/telemetry/readings",
                    "--bearer",
                    TOKEN,
                    "-H",
                    "X-Tenant: initech");

            assertThat(result.exit()).isEqualTo(0);
            assertThat(authorization.get()).isEqualTo("Bearer admin-token");
            assertThat(body.get())
                    .contains("\"method\":\"post\"")
                    .contains("\"path\":\"/telemetry/readings\"")
                    .contains("\"token\":\"" + TOKEN + "\"")
                    .contains("\"X-Tenant\":\"initech\"");
            assertThat(result.out())
                    .startsWith("decision: refused (403 policy_denied: Telemetry is read-only)")
                    .contains("1. path: /telemetry/readings")
                    .contains("2. policy: denied policy_denied")
                    .doesNotContain(TOKEN);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void explainWhenGatewayUnreachableThenExit2AndTheTokenNeverPrinted() throws IOException {
        Result result = run(
                "explain",
                "--gateway",
                "http://127.0.0.1:" + unusedPort(),
                "--token",
                "admin-token",
                "--path",
                "/api/orders",
                "--bearer",
                TOKEN);

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("cannot be reached");
        assertThat(result.out() + result.err()).doesNotContain(TOKEN);
    }

    @Test
    void explainWhenNoPathOrBadHeaderThenExit2() {
        assertThat(run("explain", "--token", "t").exit()).isEqualTo(2);
        assertThat(run("explain", "--token", "t", "--path", "/x", "-H", "no-colon")
                        .exit())
                .isEqualTo(2);
        assertThat(GatewayCli.isCommand(new String[] {"explain", "--path", "/x"}))
                .isTrue();
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new GatewayCli())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
