package io.dualcore.gateway.cli;

import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * Revokes, lists and lifts revocations through a running gateway's management endpoint
 * ({@code /admin/revocations} on the management port): the gateway enforces and shares them. Connects and
 * authenticates as {@link ManagementConnection} says.
 */
@Command(
        name = "revoke",
        description = "Revoke tokens by subject, session, device or jti, list and lift revocations",
        mixinStandardHelpOptions = true,
        subcommands = {RevokeCommand.Add.class, RevokeCommand.ListCommand.class, RevokeCommand.Lift.class})
final class RevokeCommand {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParentCommand
    GatewayCli root;

    /** Exactly one of what a revocation names. */
    static final class Target {

        @Option(names = "--sub", description = "a subject (sub) of the realm")
        String subject;

        @Option(names = "--sid", description = "a session (sid) of the realm")
        String session;

        @Option(names = "--device", description = "an edge device (device_id)")
        String device;

        @Option(names = "--jti", description = "one token (jti)")
        String jti;

        String kind() {
            return (this.subject != null)
                    ? "sub"
                    : (this.session != null) ? "sid" : (this.device != null) ? "device" : "jti";
        }

        String value() {
            return (this.subject != null)
                    ? this.subject
                    : (this.session != null) ? this.session : (this.device != null) ? this.device : this.jti;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Revoke")
    static final class Add implements Callable<Integer> {

        @ParentCommand
        RevokeCommand parent;

        @Spec
        CommandSpec spec;

        @Mixin
        ManagementConnection connection;

        @ArgGroup(multiplicity = "1")
        Target target;

        @Option(names = "--realm", description = "the realm (an OIDC issuer's name; default for --device: edge)")
        String realm;

        @Option(names = "--until", description = "when the revocation lapses (ISO-8601 instant)")
        String until;

        @Option(names = "--ttl", description = "how long it lasts (2h, PT2H; default dualcore.revocation.default-ttl)")
        String ttl;

        @Option(
                names = "--issued-before",
                description = "only tokens issued at or before this instant (ISO-8601); default: every token")
        String issuedBefore;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("kind", this.target.kind());
            body.put("realm", this.parent.realm(this.realm, this.target));
            body.put("value", this.target.value());
            if (this.until != null) {
                body.put("until", this.until);
            }
            if (this.ttl != null) {
                body.put("ttl", this.ttl);
            }
            if (this.issuedBefore != null) {
                body.put("issuedBefore", this.issuedBefore);
            }
            return this.parent.send(this.spec, this.connection, "POST", "", JSON.writeValueAsString(body));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The revocations in force")
    static final class ListCommand implements Callable<Integer> {

        @ParentCommand
        RevokeCommand parent;

        @Spec
        CommandSpec spec;

        @Mixin
        ManagementConnection connection;

        @Override
        public Integer call() throws InterruptedException {
            return this.parent.send(this.spec, this.connection, "GET", "", null);
        }
    }

    @Command(name = "lift", mixinStandardHelpOptions = true, description = "Lift a revocation")
    static final class Lift implements Callable<Integer> {

        @ParentCommand
        RevokeCommand parent;

        @Spec
        CommandSpec spec;

        @Mixin
        ManagementConnection connection;

        @ArgGroup(multiplicity = "1")
        Target target;

        @Option(names = "--realm", description = "the realm (an OIDC issuer's name; default for --device: edge)")
        String realm;

        @Override
        public Integer call() throws InterruptedException {
            String query = "?kind=" + encode(this.target.kind()) + "&realm="
                    + encode(this.parent.realm(this.realm, this.target)) + "&value=" + encode(this.target.value());
            return this.parent.send(this.spec, this.connection, "DELETE", query, null);
        }
    }

    private String realm(String realm, Target target) {
        if (realm != null) {
            return realm;
        }
        if (target.device != null) {
            return EdgeTokenVerifier.REALM;
        }
        throw new IllegalArgumentException("--realm is required with --sub, --sid and --jti");
    }

    /** Sends one request; prints the answer: 0 on success, 1 when the gateway refused, 2 when it cannot be asked. */
    private int send(CommandSpec spec, ManagementConnection connection, String method, String query, String body)
            throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HttpResponse<String> response = connection.send(this.root, err, method, "/admin/revocations" + query, body);
        if (response == null) {
            return 2;
        }
        if (response.statusCode() >= 300) {
            err.println("refused: " + response.statusCode() + " " + response.body());
            return 1;
        }
        out.println(response.body());
        return 0;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
