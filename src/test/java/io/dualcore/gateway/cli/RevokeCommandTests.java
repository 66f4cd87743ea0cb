package io.dualcore.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The revoke command's own refusals, before or without a gateway to ask (the happy path: RevocationIT). */
class RevokeCommandTests {

    @Test
    void revokeWhenGatewayUnreachableThenExit2AndNoToken() throws IOException {
        Result result = run("revoke", "add", "--device", "sensor-1", "--gateway", "http://127.0.0.1:" + unusedPort());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("cannot be reached");
        assertThat(result.out() + result.err()).doesNotContain("eyJ");
    }

    @Test
    void revokeWhenSubWithoutRealmThenExit2() {
        Result result = run("revoke", "add", "--sub", "alice", "--gateway", "http://127.0.0.1:1");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("--realm is required");
    }

    @Test
    void revokeWhenTwoTargetsOrNoneThenUsageError() {
        assertThat(run("revoke", "add", "--sub", "a", "--device", "b").exit()).isEqualTo(2);
        assertThat(run("revoke", "lift").exit()).isEqualTo(2);
    }

    @Test
    void isCommandWhenRevokeThenTheCommandLine() {
        assertThat(GatewayCli.isCommand(new String[] {"revoke", "list"})).isTrue();
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new GatewayCli())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("error: " + ex.getMessage());
                    return 2;
                });
        int exit = commandLine.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
