package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.dualcore.gateway.telemetry.OtelEnvironmentPostProcessor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml cannot be run here (no Docker engine), so this checks it against what the project actually
 * builds and configures: mounted paths, the jar name, environment placeholders and ports.
 */
class DockerComposeFileTests {

    /** Surefire runs tests in the module directory, which is the repository root. */
    private static final Path ROOT = Path.of("").toAbsolutePath();

    private static final String JAR_MOUNT = "./target/dualcore-gateway.jar";
    private static final String REALM_EXPORT = "./realm-export";

    private static Map<String, Object> services;
    private static String applicationYmlText;
    private static List<Object> applicationYml;

    @BeforeAll
    static void load() throws IOException {
        Map<String, Object> compose = new Yaml().load(read("docker-compose.yml"));
        services = map(compose.get("services"), "docker-compose.yml: services");
        applicationYmlText = read("config/application.yml");
        applicationYml = new ArrayList<>();
        new Yaml().loadAll(applicationYmlText).forEach(applicationYml::add);
    }

    @Test
    void mountedRealmExportAndConfigDirectoriesExistInRepo() {
        List<String> checked = new ArrayList<>();
        services.forEach((name, service) -> {
            for (String hostPath : hostVolumePaths(name)) {
                if (hostPath.startsWith(REALM_EXPORT) || hostPath.startsWith("./config")) {
                    assertThat(ROOT.resolve(hostPath).normalize())
                            .as("service '%s' mounts %s, which must exist in the repository", name, hostPath)
                            .exists();
                    checked.add(hostPath);
                }
            }
        });
        assertThat(checked).as("mounts of ./realm-export and ./config").contains(REALM_EXPORT, "./config");
    }

    @Test
    void realmExportMountHoldsOnlyRealmFiles() throws IOException {
        assertThat(hostVolumePaths("keycloak"))
                .as("keycloak must mount %s to import realms", REALM_EXPORT)
                .contains(REALM_EXPORT);
        List<Path> realmFiles;
        try (Stream<Path> files = Files.list(ROOT.resolve(REALM_EXPORT).normalize())) {
            realmFiles =
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(realmFiles)
                .as("%s must hold at least one realm *.json for --import-realm", REALM_EXPORT)
                .isNotEmpty();
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(64 * 1024 * 1024); // realm exports can exceed snakeyaml's 3 MB default
        for (Path file : realmFiles) {
            // JSON is valid YAML for snakeyaml, which saves a JSON dependency for this one check
            Object json = new Yaml(options).load(Files.readString(file));
            assertThat(json instanceof Map<?, ?> realm && realm.get("realm") instanceof String)
                    .as("%s is mounted into keycloak's import dir but has no \"realm\" field", ROOT.relativize(file))
                    .isTrue();
        }
    }

    @Test
    void javaServicesMountTheJarThePomBuilds() throws IOException {
        Matcher finalName =
                Pattern.compile("<finalName>\\s*([^<\\s]+)\\s*</finalName>").matcher(read("pom.xml"));
        assertThat(finalName.find())
                .as("pom.xml needs <finalName>dualcore-gateway</finalName> so the jar path is stable")
                .isTrue();
        assertThat("./target/" + finalName.group(1) + ".jar")
                .as("jar the pom builds vs the path docker-compose.yml mounts")
                .isEqualTo(JAR_MOUNT);
        for (String name : List.of("gateway", "microservice-core", "edge-core")) {
            assertThat(hostVolumePaths(name))
                    .as("service '%s' must mount the built jar %s", name, JAR_MOUNT)
                    .contains(JAR_MOUNT);
        }
    }

    @Test
    void everyGatewayEnvironmentVariableIsAPlaceholderInApplicationYml() {
        Map<String, String> environment = environment("gateway");
        assertThat(environment).as("gateway environment").isNotEmpty();
        List<String> unused = environment.keySet().stream()
                .filter(name -> !applicationYmlText.contains("${" + name))
                .filter(name -> !OtelEnvironmentPostProcessor.VARIABLES.contains(name))
                .toList();
        assertThat(unused)
                .as("gateway environment variables with no ${NAME...} placeholder in config/application.yml,"
                        + " so setting them in docker-compose.yml has no effect")
                .isEmpty();
    }

    @Test
    void gatewayPublishesServerAndManagementPortsFromApplicationYml() {
        List<Integer> published = containerPorts("gateway");
        for (String property : List.of("server.port", "management.server.port")) {
            int port = Integer.parseInt(propertyDefault(property));
            assertThat(published)
                    .as(
                            "%s defaults to %d in config/application.yml but the gateway service publishes %s",
                            property, port, published)
                    .contains(port);
        }
    }

    @Test
    void keycloakHttpPortPublishedPortAndKeycloakUrlDefaultAgree() {
        int httpPort = commandPort("keycloak", "--http-port");
        assertThat(containerPorts("keycloak"))
                .as("keycloak runs with --http-port=%d, so that port must be published", httpPort)
                .contains(httpPort);
        assertThat(placeholderPort("KEYCLOAK_URL"))
                .as("port of the KEYCLOAK_URL default in config/application.yml vs keycloak's --http-port")
                .isEqualTo(httpPort);
        assertThat(URI.create(environment("gateway").get("KEYCLOAK_URL")).getPort())
                .as("port of the gateway's KEYCLOAK_URL in docker-compose.yml vs keycloak's --http-port")
                .isEqualTo(httpPort);
    }

    @Test
    void keycloakHostnameIsTheGatewayIssuerBaseUrl() {
        // tokens carry iss=<KC_HOSTNAME>/realms/..., and the gateway accepts only <OIDC_ISSUER_BASE_URL>/realms/...
        assertThat(environment("gateway").get("OIDC_ISSUER_BASE_URL"))
                .as("gateway OIDC_ISSUER_BASE_URL vs keycloak KC_HOSTNAME")
                .isEqualTo(environment("keycloak").get("KC_HOSTNAME"));
    }

    @Test
    void demoCorePortsMatchCoreUriDefaults() {
        Map<String, String> coreUris =
                Map.of("microservice-core", "MICROSERVICE_CORE_URI", "edge-core", "EDGE_CORE_URI");
        coreUris.forEach((service, variable) -> {
            int port = commandPort(service, "--port");
            assertThat(containerPorts(service))
                    .as("service '%s' listens on --port=%d, so that port must be published", service, port)
                    .contains(port);
            assertThat(placeholderPort(variable))
                    .as("port of the %s default in config/application.yml vs service '%s' --port", variable, service)
                    .isEqualTo(port);
            URI composeUri = URI.create(environment("gateway").get(variable));
            assertThat(composeUri.getHost() + ":" + composeUri.getPort())
                    .as("gateway's %s in docker-compose.yml must point at service '%s'", variable, service)
                    .isEqualTo(service + ":" + port);
        });
    }

    private static Map<String, Object> service(String name) {
        Object service = services.get(name);
        if (service == null) {
            fail("docker-compose.yml has no service '%s' (has %s)", name, services.keySet());
        }
        return map(service, "service '" + name + "'");
    }

    /** Host side of each short-syntax volume, e.g. {@code ./config} from {@code ./config:/app/config:ro}. */
    private static List<String> hostVolumePaths(String name) {
        Object volumes = service(name).getOrDefault("volumes", List.of());
        return ((List<?>) volumes)
                .stream().map(v -> String.valueOf(v).split(":")[0]).toList();
    }

    /** Accepts both the map and the {@code NAME=value} list forms compose allows. */
    private static Map<String, String> environment(String name) {
        Object environment = service(name).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> map) {
            map.forEach((k, v) -> result.put(String.valueOf(k), String.valueOf(v)));
        } else if (environment instanceof List<?> list) {
            for (Object entry : list) {
                String[] pair = String.valueOf(entry).split("=", 2);
                result.put(pair[0], pair.length > 1 ? pair[1] : "");
            }
        }
        return result;
    }

    /** Container side of each published port, e.g. 8080 from {@code "127.0.0.1:18080:8080"}. */
    private static List<Integer> containerPorts(String name) {
        Object ports = service(name).getOrDefault("ports", List.of());
        return ((List<?>) ports)
                .stream()
                        .map(p -> {
                            String spec = String.valueOf(p).split("/")[0];
                            return Integer.parseInt(spec.substring(spec.lastIndexOf(':') + 1));
                        })
                        .toList();
    }

    private static int commandPort(String name, String option) {
        Object command = service(name).get("command");
        String text = command instanceof List<?> parts
                ? String.join(" ", parts.stream().map(String::valueOf).toList())
                : String.valueOf(command);
        Matcher matcher = Pattern.compile(Pattern.quote(option) + "[= ](\\d+)").matcher(text);
        if (!matcher.find()) {
            fail("service '%s' command has no %s=<port>: %s", name, option, text);
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** Port of the default in {@code ${NAME:default}} in config/application.yml. */
    private static int placeholderPort(String variable) {
        Matcher matcher = Pattern.compile("\\$\\{" + Pattern.quote(variable) + ":([^}]*)}")
                .matcher(applicationYmlText);
        if (!matcher.find()) {
            fail("config/application.yml has no ${%s:<default>} placeholder", variable);
        }
        int port = URI.create(matcher.group(1)).getPort();
        if (port < 0) {
            fail("the %s default '%s' in config/application.yml names no explicit port", variable, matcher.group(1));
        }
        return port;
    }

    /** A property's value in config/application.yml, reduced to the default when it is a {@code ${NAME:default}}. */
    private static String propertyDefault(String property) {
        for (Object document : applicationYml) {
            Object value = lookup(document, property);
            if (value != null) {
                Matcher placeholder = Pattern.compile("\\$\\{[^:}]+:([^}]*)}").matcher(String.valueOf(value));
                return placeholder.matches() ? placeholder.group(1) : String.valueOf(value);
            }
        }
        return fail("config/application.yml does not set %s", property);
    }

    /** Spring lets keys be nested or dotted ({@code management.server.port: 8081}); accept either spelling. */
    private static Object lookup(Object node, String path) {
        if (!(node instanceof Map<?, ?> map)) {
            return null;
        }
        String[] segments = path.split("\\.");
        for (int i = segments.length; i >= 1; i--) {
            String key = String.join(".", List.of(segments).subList(0, i));
            if (map.containsKey(key)) {
                Object value = map.get(key);
                return i == segments.length ? value : lookup(value, path.substring(key.length() + 1));
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            fail("%s is not a YAML mapping: %s", what, value);
        }
        return (Map<String, Object>) value;
    }

    private static String read(String relativePath) throws IOException {
        Path file = ROOT.resolve(relativePath);
        if (!Files.isRegularFile(file)) {
            fail("%s not found at %s", relativePath, file);
        }
        return Files.readString(file);
    }
}
