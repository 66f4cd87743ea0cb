package io.dualcore.gateway.cli;

import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.web.AdminProperties;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.util.StringUtils;
import picocli.CommandLine;
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
 * ({@code /admin/revocations} on the management port): the gateway enforces and shares them. Authenticates with an
 * admin bearer token ({@code --token} or {@code DUALCORE_ADMIN_TOKEN}), or mints a short edge admin token with the
 * configured edge key ring (as {@code token mint} does), carrying {@code dualcore.admin.role}.
 */
@Command(
        name = "revoke",
        description = "Revoke tokens by subject, session, device or jti, list and lift revocations",
        mixinStandardHelpOptions = true,
        subcommands = {RevokeCommand.Add.class, RevokeCommand.ListCommand.class, RevokeCommand.Lift.class})
final class RevokeCommand {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @ParentCommand
    GatewayCli root;

    /** Where the gateway is and how to authenticate to it. */
    static final class Connection {

        @Option(
                names = "--gateway",
                description = "the gateway's management base URL (default: http://localhost:<management.server.port>)")
        String gateway;

        @Option(
                names = "--token",
                description = "an admin bearer token (default: $DUALCORE_ADMIN_TOKEN, else a minted edge admin token)")
        String token;

        @Option(
                names = "--admin-sub",
                defaultValue = "dualcore-cli",
                description = "the sub of a minted admin token, audited as the actor (default ${DEFAULT-VALUE})")
        String adminSubject;
    }

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
        Connection connection = new Connection();

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
        public Integer call() throws IOException, InterruptedException {
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
        Connection connection = new Connection();

        @Override
        public Integer call() throws IOException, InterruptedException {
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
        Connection connection = new Connection();

        @ArgGroup(multiplicity = "1")
        Target target;

        @Option(names = "--realm", description = "the realm (an OIDC issuer's name; default for --device: edge)")
        String realm;

        @Override
        public Integer call() throws IOException, InterruptedException {
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
    private int send(CommandSpec spec, Connection connection, String method, String query, String body)
            throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CliConfiguration configuration = this.root.configuration();
        String base = StringUtils.hasText(connection.gateway)
                ? connection.gateway.replaceAll("/+$", "")
                : "http://localhost:"
                        + configuration
                                .binder()
                                .bind("management.server.port", Integer.class)
                                .orElse(8081);
        String token = adminToken(connection, configuration, err);
        if (token == null) {
            return 2;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/admin/revocations" + query))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException ex) {
            err.println("error: the gateway's management endpoint " + base + " cannot be reached ("
                    + ex.getClass().getSimpleName() + "); is the gateway running? (--gateway)");
            return 2;
        }
        if (response.statusCode() >= 300) {
            err.println("refused: " + response.statusCode() + " " + response.body());
            return 1;
        }
        out.println(response.body());
        return 0;
    }

    /** The given admin token, else one minted with the configured edge key ring (never printed). */
    private String adminToken(Connection connection, CliConfiguration configuration, PrintWriter err) {
        if (StringUtils.hasText(connection.token)) {
            return connection.token.strip();
        }
        String fromEnvironment = System.getenv("DUALCORE_ADMIN_TOKEN");
        if (StringUtils.hasText(fromEnvironment)) {
            return fromEnvironment.strip();
        }
        String role = configuration
                .binder()
                .bind("dualcore.admin", AdminProperties.class)
                .map(AdminProperties::role)
                .orElse("dualcore-admin");
        StringWriter minted = new StringWriter();
        StringWriter problems = new StringWriter();
        List<String> args = new ArrayList<>();
        if (this.root.configLocation != null) {
            args.add("--config=" + this.root.configLocation);
        }
        args.addAll(List.of("token", "mint", "--sub", connection.adminSubject, "--roles", role, "--ttl", "2m"));
        // the mint command itself, in this process (its logging is already set up)
        int exit = new CommandLine(new GatewayCli())
                .setOut(new PrintWriter(minted, true))
                .setErr(new PrintWriter(problems, true))
                .execute(args.toArray(String[]::new));
        if (exit != 0) {
            err.println("error: no --token given and no edge admin token could be minted: "
                    + problems.toString().strip());
            return null;
        }
        return minted.toString().strip();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
