package io.dualcore.gateway.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.jwk.RSAKey;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.GatewayRoutes;
import io.dualcore.gateway.testsupport.LocalJwks;
import io.dualcore.gateway.testsupport.RawHttp;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real nginx ({@code auth_request}) and Caddy ({@code forward_auth}) in front of an echo core, configured with the
 * README's own snippets (ports replaced), asking a whole gateway's decision API: valid OIDC and edge tokens reach the
 * core with the identity headers the proxy copied from the decision; missing, bad, expired, forbidden and
 * rate-limited requests get the gateway's status and problem body through the proxy; identity headers the client
 * sent never reach the core; path-confusion cases are never allowed where the gateway's own route refuses them.
 * A proxy not installed is reported as skipped with the reason.
 */
class ForwardAuthProxiesIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final EchoCore CORE = EchoCore.start("microservice-core", "127.0.0.1", 0);

    private static LocalJwks jwks;

    private static TestGateway gateway;

    private static RSAKey key;

    private static String issuer;

    private static Path work;

    private static final Map<String, Proxy> proxies = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws IOException {
        key = TestTokens.rsaKey("forward-auth-proxies-it");
        jwks = LocalJwks.serve(key);
        Map<String, String> properties = new LinkedHashMap<>();
        issuer = jwks.trust(properties, 0, "dualcore");
        GatewayRoutes.into(properties)
                .add("public-health", CORE.uri(), "/api/public/**")
                .add("microservice-admin", CORE.uri(), "/api/admin/**")
                .add("partner-api", CORE.uri(), "/api/partners/**")
                .add("api-limited", CORE.uri(), "/api/limited/**")
                .add("microservice-core", CORE.uri(), "/api/**")
                .add("edge-core", CORE.uri(), "/edge/**")
                .add("telemetry-edge", CORE.uri(), "/telemetry/edge/**")
                .add("telemetry-oidc", CORE.uri(), "/telemetry/**");
        properties.put("dualcore.routes.api-limited.access.modes", "oidc");
        properties.put("dualcore.rate-limit.plans.tiny.bandwidths[0].capacity", "1");
        properties.put("dualcore.rate-limit.plans.tiny.bandwidths[0].refill-period", "1h");
        properties.put("dualcore.routes.api-limited.rate-limit.oidc", "tiny");
        properties.put("dualcore.decision-api.enabled", "true");
        properties.put("dualcore.decision-api.port", "0");
        gateway = TestGateway.start(properties);
        int decisionPort = gateway.bean(ForwardAuthServer.class).port();
        work = Files.createTempDirectory("forward-auth-proxies");
        String readme = Files.readString(Path.of("README.md"));
        proxies.put("nginx", Proxy.nginx(readme, decisionPort));
        proxies.put("caddy", Proxy.caddy(readme, decisionPort));
    }

    @AfterAll
    static void stop() {
        proxies.values().forEach(Proxy::close);
        if (gateway != null) {
            gateway.close();
        }
        if (jwks != null) {
            jwks.close();
        }
        CORE.close();
    }

    static Stream<String> proxyNames() {
        return Stream.of("nginx", "caddy");
    }

    private static Proxy proxy(String name) {
        Proxy proxy = proxies.get(name);
        assumeTrue(proxy.skipped == null, proxy.skipped);
        return proxy;
    }

    @ParameterizedTest
    @MethodSource("proxyNames")
    void validOidcTokenWhenThroughProxyThenCoreGetsIdentityHeadersNotTheClients(String name) {
        Proxy proxy = proxy(name);
        String token = TestTokens.oidc(key, issuer).claim("sub", "alice").sign();
        ResponseEntity<String> answer =
                proxy.get("/api/orders", token, Map.of("X-Auth-Subject", "mallory", "X-Auth-Device", "forged"));
        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        JsonNode headers = JSON.readTree(answer.getBody()).path("headers");
        assertThat(values(headers, "X-Auth-Subject")).containsExactly("alice");
        assertThat(values(headers, "X-Auth-Mode")).containsExactly("oidc");
        assertThat(values(headers, "X-Auth-Issuer")).containsExactly(issuer);
        // never the client's value; Caddy 2.6 copies a header the decision lacks as its unresolved placeholder
        assertThat(values(headers, "X-Auth-Device")).doesNotContain("forged");
        if (name.equals("nginx")) {
            assertThat(values(headers, "X-Auth-Device")).isEmpty();
        }
        // the route hands over a signed assertion, as the gateway's own route does
        assertThat(values(headers, "X-Auth-Assertion")).hasSize(1);
    }

    @ParameterizedTest
    @MethodSource("proxyNames")
    void validEdgeTokenWhenThroughProxyThenEdgeIdentity(String name) {
        ResponseEntity<String> answer =
                proxy(name).get("/edge/readings", TestTokens.demoEdge().sign(), Map.of());
        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        JsonNode headers = JSON.readTree(answer.getBody()).path("headers");
        assertThat(values(headers, "X-Auth-Mode")).containsExactly("edge");
        assertThat(values(headers, "X-Auth-Subject")).containsExactly("device-42");
    }

    @ParameterizedTest
    @MethodSource("proxyNames")
    void refusedWhenThroughProxyThenTheGatewaysStatusAndProblem(String name) {
        Proxy proxy = proxy(name);
        String expired = TestTokens.oidc(key, issuer)
                .time("iat", Instant.now().minusSeconds(600))
                .time("exp", Instant.now().minusSeconds(300))
                .sign();
        String user = TestTokens.oidc(key, issuer).sign();
        Object[][] cases = {
            {null, "/api/orders"}, {"not.a.token", "/api/orders"}, {expired, "/api/orders"}, {user, "/api/admin/users"}
        };
        for (Object[] c : cases) {
            String token = (String) c[0];
            String path = (String) c[1];
            ResponseEntity<String> through = proxy.get(path, token, Map.of());
            ResponseEntity<String> direct = gateway.get(path, token, Map.of());
            assertThat(direct.getStatusCode().value()).isBetween(401, 403);
            assertThat(through.getStatusCode()).as(path).isEqualTo(direct.getStatusCode());
            assertThat(code(through)).as(path).isEqualTo(code(direct));
            assertThat(through.getHeaders().getFirst("WWW-Authenticate"))
                    .isEqualTo(direct.getHeaders().getFirst("WWW-Authenticate"));
        }
    }

    @ParameterizedTest
    @MethodSource("proxyNames")
    void planExhaustedWhenThroughProxyThen429WithRetryAfter(String name) {
        Proxy proxy = proxy(name);
        String token =
                TestTokens.oidc(key, issuer).claim("sub", "limited-" + name).sign();
        assertThat(proxy.get("/api/limited/x", token, Map.of()).getStatusCode().value())
                .isEqualTo(200);
        ResponseEntity<String> limited = proxy.get("/api/limited/x", token, Map.of());
        assertThat(limited.getStatusCode().value()).isEqualTo(429);
        assertThat(code(limited)).isEqualTo("rate_limited");
        assertThat(limited.getHeaders().getFirst("Retry-After")).isNotNull();
    }

    @ParameterizedTest
    @MethodSource("proxyNames")
    void pathConfusionWhenThroughProxyThenNeverAllowedWhereTheGatewayRefuses(String name) {
        Proxy proxy = proxy(name);
        String user = TestTokens.oidc(key, issuer).sign();
        for (String path : List.of(
                "/api/public/../admin/users",
                "/api/public/%2e%2e/admin/users",
                "/api/public/%2E%2E%2Fadmin",
                "/api/public%2Fadmin",
                "/api/public/..;/admin",
                "//api//admin/users",
                "/api/public/%252e%252e/admin",
                "/api/public/./../admin/users")) {
            int direct = RawHttp.status(RawHttp.get(gateway.port(), path, "Authorization: Bearer " + user));
            int through = RawHttp.status(RawHttp.get(proxy.port, path, "Authorization: Bearer " + user));
            assertThat(through).as(name + " " + path).isGreaterThan(0);
            if (direct >= 400) {
                assertThat(through).as(name + " " + path).isBetween(400, 499);
            }
        }
    }

    private static List<String> values(JsonNode headers, String name) {
        List<String> values = new ArrayList<>();
        for (String field : headers.propertyNames()) {
            if (field.equalsIgnoreCase(name)) {
                headers.path(field).forEach(value -> values.add(value.asString()));
            }
        }
        return values;
    }

    private static String code(ResponseEntity<String> response) {
        return JSON.readTree(response.getBody()).path("code").asString();
    }

    /** A proxy process started from the README's configuration, or the reason it could not be. */
    private static final class Proxy implements AutoCloseable {

        final int port;

        final String skipped;

        private final Process process;

        private Proxy(int port, Process process, String skipped) {
            this.port = port;
            this.process = process;
            this.skipped = skipped;
        }

        static Proxy nginx(String readme, int decisionPort) throws IOException {
            String binary = onPath("nginx");
            if (binary == null) {
                return new Proxy(-1, null, "nginx is not on the PATH (apt-get install nginx)");
            }
            int port = freePort();
            Path dir = Files.createDirectories(work.resolve("nginx"));
            String server = configured(snippet(readme, "nginx"), port, decisionPort);
            String conf = "worker_processes 1;\ndaemon off;\npid " + dir + "/nginx.pid;\nerror_log " + dir
                    + "/error.log;\nevents { worker_connections 64; }\nhttp {\naccess_log off;\nclient_body_temp_path "
                    + dir + "/body;\nproxy_temp_path " + dir + "/proxy;\nfastcgi_temp_path " + dir
                    + "/fastcgi;\nuwsgi_temp_path " + dir + "/uwsgi;\nscgi_temp_path " + dir + "/scgi;\n" + server
                    + "\n}\n";
            Path file = dir.resolve("nginx.conf");
            Files.writeString(file, conf);
            Process process = new ProcessBuilder(binary, "-p", dir.toString(), "-c", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("out.log").toFile())
                    .start();
            return started(port, process, dir);
        }

        static Proxy caddy(String readme, int decisionPort) throws IOException {
            String binary = onPath("caddy");
            if (binary == null) {
                return new Proxy(-1, null, "caddy is not on the PATH (apt-get install caddy)");
            }
            int port = freePort();
            Path dir = Files.createDirectories(work.resolve("caddy"));
            Path file = dir.resolve("Caddyfile");
            Files.writeString(file, configured(snippet(readme, "caddy"), port, decisionPort));
            ProcessBuilder builder = new ProcessBuilder(
                            binary, "run", "--config", file.toString(), "--adapter", "caddyfile")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("out.log").toFile());
            builder.environment().put("HOME", dir.toString());
            builder.environment().put("XDG_DATA_HOME", dir.toString());
            builder.environment().put("XDG_CONFIG_HOME", dir.toString());
            return started(port, builder.start(), dir);
        }

        private static Proxy started(int port, Process process, Path dir) {
            Awaitility.await("proxy listening on " + port + " (log in " + dir + ")")
                    .atMost(TestClients.TIMEOUT)
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(
                                    "the proxy exited: " + Files.readString(dir.resolve("out.log"))
                                            + readIfExists(dir.resolve("error.log")));
                        }
                        try (Socket socket = new Socket("127.0.0.1", port)) {
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
            return new Proxy(port, process, null);
        }

        private static String readIfExists(Path file) throws IOException {
            return Files.exists(file) ? Files.readString(file) : "";
        }

        /** The fenced block after the README's {@code <!-- forward-auth:name -->} marker. */
        static String snippet(String readme, String name) {
            int marker = readme.indexOf("<!-- forward-auth:" + name + " -->");
            assertThat(marker).as("README marker for " + name).isGreaterThanOrEqualTo(0);
            int start = readme.indexOf('\n', readme.indexOf("```", marker)) + 1;
            return readme.substring(start, readme.indexOf("```", start));
        }

        static String configured(String snippet, int port, int decisionPort) {
            return snippet.replace("127.0.0.1:8000", "127.0.0.1:" + port)
                    .replace("127.0.0.1:8082", "127.0.0.1:" + decisionPort)
                    .replace("127.0.0.1:9001", CORE.uri().replace("http://", ""));
        }

        private static String onPath(String command) {
            List<String> dirs = new ArrayList<>(
                    List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
            dirs.add("/usr/sbin");
            for (String dir : dirs) {
                File candidate = new File(dir, command);
                if (!dir.isEmpty() && candidate.canExecute()) {
                    return candidate.getPath();
                }
            }
            return null;
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        ResponseEntity<String> get(String path, String token, Map<String, String> headers) {
            return TestClients.webClient(this.port)
                    .get()
                    .uri(path)
                    .headers(h -> {
                        headers.forEach(h::set);
                        if (token != null) {
                            h.setBearerAuth(token);
                        }
                    })
                    .exchangeToMono(response -> response.toEntity(String.class))
                    .block(TestClients.TIMEOUT);
        }

        @Override
        public void close() {
            if (this.process != null) {
                this.process.destroy();
            }
        }
    }
}
