package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * No cluster runs here, so every manifest in {@code deploy/kubernetes} is parsed with the Kubernetes model classes
 * (fabric8), unknown fields rejected, and checked against the application itself: probe paths and ports, env
 * names, the Service, the edge-key mount, the shutdown timings, and the Dockerfile the Deployment runs.
 */
class KubernetesManifestsTests {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    private static final Path MANIFESTS = ROOT.resolve("deploy/kubernetes");

    /** The edge key ring's directory property (the key-directory issue); env form as Spring's relaxed binding. */
    private static final String KEY_DIRECTORY_ENV = "DUALCORE_AUTH_EDGE_KEY_DIRECTORY";

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "batch/v1/Job", Job.class);

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final List<HasMetadata> resources = new ArrayList<>();

    private static Deployment deployment;

    private static Container gateway;

    private static Map<String, String> env;

    private static String applicationYml;

    @BeforeAll
    static void load() throws IOException {
        for (Path file : manifestFiles()) {
            try (com.fasterxml.jackson.core.JsonParser parser =
                    YAML.getFactory().createParser(file.toFile())) {
                for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
                    if (document == null || document.isEmpty()) {
                        continue;
                    }
                    String type = document.path("apiVersion").asText() + "/"
                            + document.path("kind").asText();
                    Class<? extends HasMetadata> kind = KINDS.get(type);
                    if (kind == null) {
                        fail(MANIFESTS.relativize(file) + ": no model class for " + type);
                    }
                    HasMetadata resource = YAML.treeToValue(document, kind);
                    assertNoUnknownFields(resource, MANIFESTS.relativize(file) + ": " + type);
                    resources.add(resource);
                }
            }
        }
        deployment = only(Deployment.class, "dualcore-gateway");
        gateway = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        env = new LinkedHashMap<>();
        for (EnvVar variable : gateway.getEnv()) {
            env.put(variable.getName(), variable.getValue());
        }
        applicationYml = Files.readString(ROOT.resolve("config/application.yml"));
    }

    @Test
    void everyManifestFileWhenListedInAKustomizationThenParsed() throws IOException {
        Set<Path> listed = new HashSet<>();
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            for (Path kustomization : files.filter(
                            p -> p.getFileName().toString().equals("kustomization.yaml"))
                    .toList()) {
                JsonNode tree = YAML.readTree(kustomization.toFile());
                for (JsonNode resource : tree.path("resources")) {
                    Path target = kustomization.getParent().resolve(resource.asText());
                    assertThat(target).as(kustomization + " lists " + resource).exists();
                    listed.add(Files.isDirectory(target) ? target.resolve("kustomization.yaml") : target);
                }
            }
        }
        assertThat(listed).containsAll(manifestFiles());
        assertThat(resources).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void manifestWhenFieldMisspelledThenRejected() throws IOException {
        JsonNode typo = YAML.readTree(
                "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80, targetPrt: http}]}");
        Service service = YAML.treeToValue(typo, Service.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertNoUnknownFields(service, "typo"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("unknown fields at typo");
    }

    @Test
    void configMapCopiesWhenComparedThenIdenticalToConfigDirectory() throws IOException {
        for (String name : List.of("application.yml", "application-tls.yml", "application-upstream-tls.yml")) {
            assertThat(Files.readString(MANIFESTS.resolve(name)))
                    .as(
                            "deploy/kubernetes/%s differs from config/%s: cp config/%s deploy/kubernetes/",
                            name, name, name)
                    .isEqualTo(Files.readString(ROOT.resolve("config").resolve(name)));
        }
    }

    @Test
    void probesWhenCheckedThenHealthGroupsOnTheManagementPort() {
        int managementPort = containerPort("management");
        assertThat(managementPort).isEqualTo(placeholderDefault("MANAGEMENT_PORT"));
        assertThat(env.get("MANAGEMENT_PORT")).isEqualTo(String.valueOf(managementPort));
        // the probe groups exist: Boot's liveness/readiness groups are on, readiness is configured
        assertThat(applicationYml).contains("probes:\n        enabled: true").contains("readiness:");
        assertThat(applicationYml).doesNotContain("base-path");
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startup", gateway.getStartupProbe());
        probes.put("liveness", gateway.getLivenessProbe());
        probes.put("readiness", gateway.getReadinessProbe());
        probes.forEach((name, probe) -> {
            assertThat(probe).as(name + " probe").isNotNull();
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get.getPort().getStrVal()).as(name + " probe port").isEqualTo("management");
            String group = name.equals("readiness") ? "readiness" : "liveness";
            assertThat(get.getPath()).as(name + " probe path").isEqualTo("/actuator/health/" + group);
        });
    }

    @Test
    void envNamesWhenCheckedThenEachIsAPlaceholderOrABoundProperty() throws IOException {
        Set<String> placeholders = new HashSet<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("config"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                Matcher matcher = Pattern.compile("\\$\\{([A-Z0-9_]+)[:}]").matcher(Files.readString(file));
                while (matcher.find()) {
                    placeholders.add(matcher.group(1));
                }
            }
        }
        Set<String> properties = configurationPropertiesAsEnv();
        for (String name : env.keySet()) {
            if (placeholders.contains(name) || name.equals("JAVA_TOOL_OPTIONS") || name.equals(KEY_DIRECTORY_ENV)) {
                continue;
            }
            assertThat(properties)
                    .as(
                            "env %s is neither a ${%s} placeholder in config/ nor a known configuration property",
                            name, name)
                    .contains(name);
        }
        assertThat(env).containsKey(KEY_DIRECTORY_ENV);
    }

    @Test
    void edgeKeysWhenDeployedThenOnlyTheSecretsNeverTheInlineDemoKey() throws IOException {
        // the Deployment's env over the ConfigMap's application.yml, bound as the gateway binds them
        Map<String, Object> deploymentEnv = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (value != null) {
                deploymentEnv.put(name, value);
            }
        });
        org.springframework.core.env.StandardEnvironment environment =
                new org.springframework.core.env.StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(
                        new org.springframework.core.env.SystemEnvironmentPropertySource("deployment", deploymentEnv));
        for (org.springframework.core.env.PropertySource<?> source :
                new org.springframework.boot.env.YamlPropertySourceLoader()
                        .load(
                                "configmap",
                                new org.springframework.core.io.FileSystemResource(
                                        ROOT.resolve("deploy/kubernetes/application.yml")))) {
            environment.getPropertySources().addLast(source);
        }
        org.springframework.boot.context.properties.source.ConfigurationPropertySources.attach(environment);
        io.dualcore.gateway.auth.AuthProperties auth = org.springframework.boot.context.properties.bind.Binder.get(
                        environment)
                .bind("dualcore.auth", io.dualcore.gateway.auth.AuthProperties.class)
                .get();
        assertThat(auth.edge().keys())
                .as("inline edge keys in the deployed configuration")
                .isEmpty();
        assertThat(auth.edge().keyDirectory()).hasToString("/etc/dualcore/edge-keys");
    }

    @Test
    void serviceWhenCheckedThenGatewayPortOnlyNeverManagement() {
        Service service = only(Service.class, "dualcore-gateway");
        assertThat(service.getSpec().getSelector())
                .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
        int managementPort = containerPort("management");
        for (ServicePort port : service.getSpec().getPorts()) {
            IntOrString target = port.getTargetPort();
            int resolved = target.getIntVal() != null ? target.getIntVal() : containerPort(target.getStrVal());
            assertThat(resolved).as("Service port " + port.getName()).isNotEqualTo(managementPort);
            assertThat(resolved).isEqualTo(placeholderDefault("SERVER_PORT"));
        }
    }

    @Test
    void edgeKeysWhenMountedThenAtTheKeyDirectoryFromASecret() {
        String directory = env.get(KEY_DIRECTORY_ENV);
        assertThat(directory).isEqualTo("/etc/dualcore/edge-keys");
        VolumeMount mount = gateway.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(directory))
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + directory));
        assertThat(mount.getReadOnly()).isTrue();
        Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(volume.getSecret()).as("edge keys come from a Secret").isNotNull();
    }

    @Test
    void podWhenCheckedThenNonRootReadOnlyWithLimitsAndGraceAboveTheLongestRequest() {
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(gateway.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(gateway.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(gateway.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(gateway.getResources().getLimits()).containsKey("memory");
        // a writable /tmp for the JVM, since the root filesystem is read-only
        assertThat(gateway.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));

        Duration drain = DurationStyle.detectAndParse(env.get("SHUTDOWN_DRAIN"));
        Duration shutdown = DurationStyle.detectAndParse(env.get("SHUTDOWN_TIMEOUT"));
        Duration longestRequest = DurationStyle.detectAndParse(
                env.get("SPRING_CLOUD_GATEWAY_SERVER_WEBFLUX_HTTPCLIENT_RESPONSE_TIMEOUT"));
        assertThat(shutdown).as("shutdown phase vs longest request").isGreaterThan(longestRequest);
        assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()))
                .as("terminationGracePeriodSeconds vs drain + shutdown phase")
                .isGreaterThan(drain.plus(shutdown));
    }

    @Test
    void autoscalingDisruptionAndNetworkPolicyWhenCheckedThenTargetTheGateway() {
        Map<String, String> labels =
                deployment.getSpec().getTemplate().getMetadata().getLabels();
        HorizontalPodAutoscaler hpa = only(HorizontalPodAutoscaler.class, "dualcore-gateway");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("dualcore-gateway");
        assertThat(hpa.getSpec().getMetrics())
                .anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        assertThat(labels)
                .containsAllEntriesOf(only(PodDisruptionBudget.class, "dualcore-gateway")
                        .getSpec()
                        .getSelector()
                        .getMatchLabels());
        NetworkPolicy policy = only(NetworkPolicy.class, "dualcore-gateway");
        assertThat(labels)
                .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        List<Integer> open = policy.getSpec().getIngress().stream()
                .flatMap(rule -> rule.getPorts().stream())
                .map(NetworkPolicyPort::getPort)
                .map(IntOrString::getIntVal)
                .toList();
        assertThat(open).contains(containerPort("http"), containerPort("management"));
        // the management port only from a selected namespace, never from everywhere
        assertThat(policy.getSpec().getIngress())
                .filteredOn(rule ->
                        rule.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == containerPort("management")))
                .allSatisfy(rule -> assertThat(rule.getFrom()).isNotEmpty());
    }

    @Test
    void dockerfileWhenCheckedThenJarPortsUserAndCdsArchiveMatch() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
        assertThat(finalName.find()).isTrue();
        assertThat(dockerfile).contains("COPY target/" + finalName.group(1) + ".jar ");
        assertThat(dockerfile).contains("-Djarmode=tools").contains("--layers");
        assertThat(dockerfile).containsPattern("FROM eclipse-temurin:17-jre\\s");
        Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
        assertThat(expose.find()).isTrue();
        assertThat(List.of(expose.group(1).trim().split("\\s+")))
                .containsExactlyInAnyOrder(
                        String.valueOf(containerPort("http")), String.valueOf(containerPort("management")));
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(dockerfile);
        assertThat(user.find()).as("numeric USER uid:gid").isTrue();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(Long.parseLong(user.group(1)));
        assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(Long.parseLong(user.group(2)));
        // class data sharing: the archive the entrypoint maps is the one the build's training run wrote, from the
        // same extracted application jar (a dynamic archive only serves the class path it was made with)
        Matcher training = Pattern.compile(
                        "(?m)^RUN (?:DUALCORE_CRYPTO_PROVIDER=jdk )?java -XX:ArchiveClassesAtExit=(\\S+) "
                                + ".*-Dspring.context.exit=onRefresh -jar (\\S+)$")
                .matcher(dockerfile);
        assertThat(training.find()).as("CDS training run").isTrue();
        assertThat(dockerfile)
                .contains("ENTRYPOINT [\"java\", \"-XX:SharedArchiveFile=" + training.group(1) + "\", \"-jar\", \""
                        + training.group(2) + "\"]");
        assertThat(dockerfile).doesNotContain("--launcher");
        // the ConfigMap is mounted where the image keeps its config/ (Spring Boot reads ./config from WORKDIR)
        Matcher workdir = Pattern.compile("(?m)^WORKDIR (\\S+)$").matcher(dockerfile);
        String last = null;
        while (workdir.find()) {
            last = workdir.group(1);
        }
        String configDir = last + "/config";
        assertThat(gateway.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(configDir));
    }

    private static int containerPort(String name) {
        return gateway.getPorts().stream()
                .filter(port -> name.equals(port.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static int placeholderDefault(String name) {
        Matcher matcher = Pattern.compile("\\$\\{" + name + ":(\\d+)}").matcher(applicationYml);
        assertThat(matcher.find())
                .as("${%s:<port>} in config/application.yml", name)
                .isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    private static <T extends HasMetadata> T only(Class<T> kind, String name) {
        return resources.stream()
                .filter(kind::isInstance)
                .map(kind::cast)
                .filter(resource -> name.equals(resource.getMetadata().getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name));
    }

    private static List<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            return files.filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
                    .sorted()
                    .toList();
        }
    }

    /** Every configuration property on the classpath (metadata of this app, Boot and Spring Cloud Gateway), as env. */
    private static Set<String> configurationPropertiesAsEnv() throws IOException {
        Set<String> names = new HashSet<>();
        Enumeration<URL> metadata = KubernetesManifestsTests.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json");
        ObjectMapper json = new ObjectMapper();
        while (metadata.hasMoreElements()) {
            try (InputStream in = metadata.nextElement().openStream()) {
                for (JsonNode property : json.readTree(in).path("properties")) {
                    String name =
                            property.path("name").asText().replace('.', '_').toUpperCase(Locale.ROOT);
                    // Spring's relaxed binding takes both forms: dashes removed, and dashes as underscores
                    names.add(name.replace("-", ""));
                    names.add(name.replace('-', '_'));
                }
            }
        }
        return names;
    }

    /**
     * fabric8 models keep fields they do not know in {@code additionalProperties} instead of failing; a typo in a
     * manifest would pass silently, so every model object in the tree must have none.
     */
    private static void assertNoUnknownFields(Object node, String path) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                assertNoUnknownFields(item, path + "[" + i++ + "]");
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> assertNoUnknownFields(value, path + "." + key));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException ex) {
                throw new IllegalStateException(path + "." + getter.getName(), ex);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) value).as("unknown fields at " + path).isNullOrEmpty();
            } else {
                assertNoUnknownFields(value, path + "." + getter.getName().substring(3));
            }
        }
    }
}
