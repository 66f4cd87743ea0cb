package io.dualcore.gateway.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Explains the running gateway's decision about a request, step by step ({@code POST /admin/explain} on the
 * management port): canonical path, mode and why, key and issuer, claims, the routes tried, policy, rate-limit plan
 * and key (no token taken), the headers handed over. The explained token is never printed in full.
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Explain the running gateway's decision about a request, step by step")
final class ExplainCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParentCommand
    GatewayCli root;

    @Spec
    CommandSpec spec;

    @Mixin
    ManagementConnection connection = new ManagementConnection();

    @Option(names = "--method", defaultValue = "GET", description = "the request's method (default ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--path", required = true, description = "the request's path with query, as the client sent it")
    String path;

    @Option(
            names = "--bearer",
            description = "the request's access token; '-' reads it from standard input (keeps it out of the"
                    + " shell history)")
    String bearer;

    @Option(
            names = {"-H", "--header"},
            description = "a header of the request, 'Name: value' (repeatable), e.g. a DPoP proof or the whole"
                    + " Authorization")
    List<String> headers = List.of();

    @Option(names = "--host", description = "the request's Host")
    String host;

    @Option(names = "--scheme", description = "http or https (default http)")
    String scheme;

    @Option(names = "--client", description = "the client's IP address (for rate-limit keys by address)")
    String client;

    @Option(names = "--json", description = "print the endpoint's JSON instead of text")
    boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = this.spec.commandLine().getOut();
        PrintWriter err = this.spec.commandLine().getErr();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("method", this.method);
        body.put("path", this.path);
        if (this.bearer != null) {
            body.put("token", this.bearer.equals("-") ? readStandardInput() : this.bearer);
        }
        Map<String, String> requestHeaders = new LinkedHashMap<>();
        for (String header : this.headers) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                err.println("error: --header takes 'Name: value', not '" + header + "'");
                return 2;
            }
            requestHeaders.put(
                    header.substring(0, colon).strip(),
                    header.substring(colon + 1).strip());
        }
        if (!requestHeaders.isEmpty()) {
            body.put("headers", requestHeaders);
        }
        putIfSet(body, "host", this.host);
        putIfSet(body, "scheme", this.scheme);
        putIfSet(body, "client", this.client);
        HttpResponse<String> response =
                this.connection.send(this.root, err, "POST", "/admin/explain", JSON.writeValueAsString(body));
        if (response == null) {
            return 2;
        }
        if (response.statusCode() >= 300) {
            err.println("refused: " + response.statusCode() + " " + response.body());
            return 1;
        }
        if (this.json) {
            out.println(response.body());
            return 0;
        }
        Map<?, ?> explanation;
        try {
            explanation = JSON.readValue(response.body(), Map.class);
        } catch (JacksonException ex) {
            err.println("error: the gateway's answer is not an explanation: " + ex.getOriginalMessage());
            return 2;
        }
        out.print(ExplainText.render(explanation));
        out.flush();
        return 0;
    }

    private static void putIfSet(Map<String, Object> body, String name, String value) {
        if (value != null) {
            body.put(name, value);
        }
    }

    private static String readStandardInput() throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = reader.readLine();
        return (line != null) ? line.strip() : "";
    }
}
