package io.dualcore.gateway.cli;

import io.dualcore.gateway.auth.web.AdminProperties;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.StringUtils;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where a running gateway's management endpoint is and how to authenticate to it: the options every command that
 * calls it shares ({@code revoke}, {@code explain}), as a picocli mixin. Authenticates with an admin bearer token
 * ({@code --token} or {@code DUALCORE_ADMIN_TOKEN}), or mints a short edge admin token with the configured edge key
 * ring (as {@code token mint} does), carrying {@code dualcore.admin.role}.
 */
final class ManagementConnection {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

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

    /**
     * Sends one request to the management endpoint.
     *
     * @param path the endpoint's path with query, e.g. {@code /admin/revocations?kind=sub}
     * @param body a JSON body, or {@code null}
     * @return the answer, or {@code null} when the gateway cannot be asked (the reason printed to {@code err})
     */
    HttpResponse<String> send(GatewayCli root, PrintWriter err, String method, String path, String body)
            throws InterruptedException {
        CliConfiguration configuration = root.configuration();
        String base = StringUtils.hasText(this.gateway)
                ? this.gateway.replaceAll("/+$", "")
                : "http://localhost:"
                        + configuration
                                .binder()
                                .bind("management.server.port", Integer.class)
                                .orElse(8081);
        String admin = adminToken(root, configuration, err);
        if (admin == null) {
            return null;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + admin);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException ex) {
            err.println("error: the gateway's management endpoint " + base + " cannot be reached ("
                    + ex.getClass().getSimpleName() + "); is the gateway running? (--gateway)");
            return null;
        }
    }

    /** The given admin token, else one minted with the configured edge key ring (never printed). */
    private String adminToken(GatewayCli root, CliConfiguration configuration, PrintWriter err) {
        if (StringUtils.hasText(this.token)) {
            return this.token.strip();
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
        if (root.configLocation != null) {
            args.add("--config=" + root.configLocation);
        }
        args.addAll(List.of("token", "mint", "--sub", this.adminSubject, "--roles", role, "--ttl", "2m"));
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
}
