package io.dualcore.gateway.testsupport.keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A real Keycloak for tests and demos: a {@code start-dev} process launched from an unpacked distribution (the
 * default), the official image through Testcontainers ({@code -Dkeycloak.provider=testcontainers}, see
 * {@link KeycloakProvider}), or an already running server named by {@code keycloak.url} / {@code KEYCLOAK_URL}. Also
 * the handle for fetching tokens and for admin calls.
 */
public final class KeycloakServer implements AutoCloseable {

    /** System property / environment variable naming an already running Keycloak; nothing is started then. */
    public static final String URL_PROPERTY = "keycloak.url";

    private static final String DEFAULT_ADMIN = "admin";
    private static final String DEFAULT_READINESS_REALM = "dualcore";

    private final URI baseUrl;
    private final String adminUsername;
    private final KeycloakHttp http;
    private final KeycloakRuntime process; // null when the server is external
    private final KeycloakAdmin admin;

    private KeycloakServer(
            URI baseUrl, String adminUsername, String adminPassword, KeycloakHttp http, KeycloakRuntime process) {
        this.baseUrl = baseUrl;
        this.adminUsername = adminUsername;
        this.http = http;
        this.process = process;
        this.admin = new KeycloakAdmin(baseUrl, adminUsername, adminPassword, http);
    }

    /** Starts a builder for a locally launched Keycloak. */
    public static Builder builder() {
        return new Builder();
    }

    /** A handle on a Keycloak that someone else runs; {@link #start()} and {@link #stop()} do nothing. */
    public static KeycloakServer external(URI baseUrl, String adminUsername, String adminPassword) {
        return new KeycloakServer(
                withoutTrailingSlash(baseUrl), adminUsername, adminPassword, new KeycloakHttp(), null);
    }

    /**
     * Starts Keycloak as the official container image with the realm files of a directory imported; the base URL is
     * the container's mapped port. A stopped container server cannot be started again.
     */
    public static KeycloakServer startContainer(
            String image, Path realmExportDir, String adminUsername, String adminPassword) {
        KeycloakContainerRuntime runtime =
                KeycloakContainerRuntime.create(image, realmExportDir, adminUsername, adminPassword);
        runtime.start();
        return new KeycloakServer(
                withoutTrailingSlash(URI.create(runtime.authServerUrl())),
                adminUsername,
                adminPassword,
                new KeycloakHttp(),
                runtime);
    }

    /**
     * Builds a started server from system properties / environment: {@code keycloak.url} (external server), else
     * by {@code keycloak.provider} ({@link KeycloakProvider}): the distribution at {@code keycloak.home} with
     * {@code keycloak.http-port} (default 0 = free port), or the container image {@code keycloak.image}; both import
     * the realm files of {@code keycloak.realm-export} (default {@code realm-export}). Admin credentials come from
     * {@code keycloak.admin.username}/{@code .password}.
     */
    public static KeycloakServer startFromEnvironment() {
        String username = setting("keycloak.admin.username", DEFAULT_ADMIN);
        String password = setting("keycloak.admin.password", DEFAULT_ADMIN);
        String url = setting(URL_PROPERTY, null);
        if (url != null) {
            return external(URI.create(url), username, password);
        }
        // a lambda, not a method reference: the container class (and Testcontainers) loads only when Docker is probed
        KeycloakProvider provider = KeycloakProvider.select(
                setting(KeycloakProvider.PROPERTY, null), () -> KeycloakContainerRuntime.dockerAvailable());
        Path realms = Path.of(setting("keycloak.realm-export", "realm-export"));
        if (provider == KeycloakProvider.TESTCONTAINERS) {
            return startContainer(
                    setting("keycloak.image", KeycloakContainerRuntime.DEFAULT_IMAGE), realms, username, password);
        }
        String home = setting("keycloak.home", null);
        if (home == null) {
            throw new IllegalStateException(
                    "Set keycloak.home (unpacked distribution), keycloak.provider=testcontainers (Docker) or"
                            + " keycloak.url (running server); 'mvn verify' sets keycloak.home after unpacking the"
                            + " distribution");
        }
        KeycloakServer server = builder()
                .home(Path.of(home))
                .realmExportDir(realms)
                .httpPort(Integer.parseInt(setting("keycloak.http-port", "0")))
                .admin(username, password)
                .build();
        server.start();
        return server;
    }

    /** Starts the process (idempotent); a second start after {@link #stop()} reuses the port and the data. */
    public void start() {
        if (process != null) {
            process.start();
        }
    }

    /** Stops the process tree and waits for it; the dev database survives for a later {@link #start()}. */
    public void stop() {
        if (process != null) {
            process.stop();
        }
    }

    /** Same as {@link #stop()}, so the server can live in try-with-resources or a JUnit store. */
    @Override
    public void close() {
        stop();
    }

    /** Where a distribution-launched Keycloak writes its output; empty for a container or an external server. */
    public Optional<Path> logFile() {
        return (process instanceof KeycloakProcess launched) ? Optional.of(launched.logFile()) : Optional.empty();
    }

    /** Whether this handle launched (and therefore owns) the Keycloak process. */
    public boolean isManaged() {
        return process != null;
    }

    /** The root URL, e.g. {@code http://localhost:41234}. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** The issuer of a realm's tokens, e.g. {@code http://localhost:41234/realms/dualcore}. */
    public String issuerUri(String realm) {
        return baseUrl + "/realms/" + realm;
    }

    /** The JWK Set endpoint of a realm. */
    public String jwksUri(String realm) {
        return issuerUri(realm) + "/protocol/openid-connect/certs";
    }

    /** The token endpoint of a realm. */
    public String tokenUri(String realm) {
        return issuerUri(realm) + "/protocol/openid-connect/token";
    }

    /** The realm's JWK Set as served to resource servers. */
    public JsonNode jwks(String realm) {
        return http.getJson(URI.create(jwksUri(realm)));
    }

    /** An access token from the client credentials grant. */
    public String clientCredentialsToken(String realm, String clientId, String clientSecret) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_id", clientId);
        form.put("client_secret", clientSecret);
        return token(realm, form).accessToken();
    }

    /** An access token from the client credentials grant of a {@link ServiceClient}. */
    public String clientCredentialsToken(ServiceClient client) {
        return clientCredentialsToken(client.realm(), client.clientId(), client.clientSecret());
    }

    /** An access token from the password grant of a public client. */
    public String passwordToken(String realm, String clientId, String username, String password) {
        return passwordTokens(realm, clientId, username, password).accessToken();
    }

    /** The full password grant answer of a public client, with an ID token ({@code scope=openid}). */
    public TokenResponse passwordTokens(String realm, String clientId, String username, String password) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", clientId);
        form.put("username", username);
        form.put("password", password);
        form.put("scope", "openid");
        return token(realm, form);
    }

    /** Admin REST API client authenticated as the bootstrap admin of the master realm. */
    public KeycloakAdmin admin() {
        return admin;
    }

    /** The admin user name (the password is deliberately not exposed beyond the admin client). */
    public String adminUsername() {
        return adminUsername;
    }

    @Override
    public String toString() {
        return "KeycloakServer[" + baseUrl + (isManaged() ? ", managed" : ", external") + "]";
    }

    private TokenResponse token(String realm, Map<String, String> form) {
        JsonNode body =
                KeycloakHttp.readJson(KeycloakHttp.requireSuccess(http.postForm(URI.create(tokenUri(realm)), form)));
        return new TokenResponse(
                body.path("access_token").asString(),
                body.path("id_token").asString(null),
                body.path("refresh_token").asString(null),
                body.path("expires_in").asLong());
    }

    static String setting(String property, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(property.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? fallback : value;
    }

    private static URI withoutTrailingSlash(URI uri) {
        String text = uri.toString();
        return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }

    /** Settings for a locally launched Keycloak. */
    public static final class Builder {

        private Path home;
        private Path realmExportDir;
        private int httpPort;
        private String adminUsername = DEFAULT_ADMIN;
        private String adminPassword = DEFAULT_ADMIN;
        private Path logDir = Path.of("target");
        private String readinessRealm = DEFAULT_READINESS_REALM;
        private boolean resetData = true;

        private Builder() {}

        /** The unpacked distribution, the directory holding {@code bin/kc.sh}. */
        public Builder home(Path home) {
            this.home = home;
            return this;
        }

        /** Directory of realm JSON files imported on first start. */
        public Builder realmExportDir(Path realmExportDir) {
            this.realmExportDir = realmExportDir;
            return this;
        }

        /** HTTP port; 0 picks a free one (kept across stop/start). */
        public Builder httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        /** Bootstrap admin of the master realm (default admin/admin). */
        public Builder admin(String username, String password) {
            this.adminUsername = username;
            this.adminPassword = password;
            return this;
        }

        /** Where {@code keycloak-<port>.log} is written (default {@code target}). */
        public Builder logDir(Path logDir) {
            this.logDir = logDir;
            return this;
        }

        /** The realm whose discovery document signals readiness (default {@code dualcore}). */
        public Builder readinessRealm(String readinessRealm) {
            this.readinessRealm = readinessRealm;
            return this;
        }

        /** Whether to wipe the dev database so the realms come fresh from the files (default true). */
        public Builder resetData(boolean resetData) {
            this.resetData = resetData;
            return this;
        }

        /** Prepares (but does not start) the server. */
        public KeycloakServer build() {
            Objects.requireNonNull(home, "home");
            Objects.requireNonNull(realmExportDir, "realmExportDir");
            Path absoluteHome = home.toAbsolutePath();
            if (!Files.isExecutable(absoluteHome.resolve("bin/kc.sh"))) {
                throw new IllegalStateException("No Keycloak distribution at " + absoluteHome
                        + " (run ./mvnw -B dependency:unpack@unpack-keycloak)");
            }
            int port = httpPort == 0 ? freePort() : httpPort;
            int managementPort = freePort();
            URI baseUrl = URI.create("http://localhost:" + port);
            KeycloakHttp http = new KeycloakHttp();
            KeycloakProcess process = new KeycloakProcess(
                    absoluteHome,
                    logDir.resolve("keycloak-" + port + ".log").toAbsolutePath(),
                    port,
                    managementPort,
                    adminUsername,
                    adminPassword,
                    URI.create(baseUrl + "/realms/" + readinessRealm + "/.well-known/openid-configuration"),
                    http);
            if (resetData) {
                process.resetData(realmExportDir.toAbsolutePath());
            }
            return new KeycloakServer(baseUrl, adminUsername, adminPassword, http, process);
        }
    }
}
