package io.dualcore.gateway.testsupport.keycloak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which Keycloak the fixture runs, and what the container would import. The container itself cannot be built
 * here: constructing one already asks Docker for its image, and this machine has no Docker engine.
 */
class KeycloakProviderTests {

    private static final BooleanSupplier NEVER_PROBED = () -> {
        throw new AssertionError("Docker must only be probed for keycloak.provider=auto");
    };

    @Test
    void selectWhenUnsetThenDistributionWithoutProbingDocker() {
        assertThat(KeycloakProvider.select(null, NEVER_PROBED)).isEqualTo(KeycloakProvider.DISTRIBUTION);
        assertThat(KeycloakProvider.select(" ", NEVER_PROBED)).isEqualTo(KeycloakProvider.DISTRIBUTION);
    }

    @Test
    void selectWhenDistributionThenDistributionWithoutProbingDocker() {
        assertThat(KeycloakProvider.select("distribution", NEVER_PROBED)).isEqualTo(KeycloakProvider.DISTRIBUTION);
    }

    @Test
    void selectWhenTestcontainersThenContainerWithoutProbingDocker() {
        assertThat(KeycloakProvider.select("Testcontainers", NEVER_PROBED)).isEqualTo(KeycloakProvider.TESTCONTAINERS);
    }

    @Test
    void selectWhenAutoAndDockerAnswersThenContainer() {
        assertThat(KeycloakProvider.select("auto", () -> true)).isEqualTo(KeycloakProvider.TESTCONTAINERS);
    }

    @Test
    void selectWhenAutoAndNoDockerThenDistribution() {
        assertThat(KeycloakProvider.select(" AUTO ", () -> false)).isEqualTo(KeycloakProvider.DISTRIBUTION);
    }

    @Test
    void selectWhenUnknownValueThenErrorNamesPropertyAndChoices() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> KeycloakProvider.select("docker", NEVER_PROBED))
                .withMessageContaining("keycloak.provider=docker")
                .withMessageContaining("distribution")
                .withMessageContaining("testcontainers")
                .withMessageContaining("auto");
    }

    @Test
    void containerImportsWhenRealmDirectoryThenEveryRealmFileToTheImportDirectory(@TempDir Path realms)
            throws Exception {
        Files.writeString(realms.resolve("dualcore-realm.json"), "{}");
        Files.writeString(realms.resolve("partners-realm.json"), "{}");
        Files.writeString(realms.resolve("README.md"), "not a realm");
        assertThat(KeycloakContainerRuntime.imports(realms))
                .containsExactly(
                        entry(realms.resolve("dualcore-realm.json"), "/opt/keycloak/data/import/dualcore-realm.json"),
                        entry(realms.resolve("partners-realm.json"), "/opt/keycloak/data/import/partners-realm.json"));
    }

    @Test
    void containerImportsWhenProjectRealmsThenSameFilesAsTheDistribution() {
        assertThat(KeycloakContainerRuntime.imports(Path.of("realm-export")).keySet())
                .extracting(path -> path.getFileName().toString())
                .containsExactly("dualcore-realm.json", "partners-realm.json");
    }

    @Test
    void containerImageWhenDefaultThenSameVersionAsTheDistribution() throws Exception {
        Matcher version = Pattern.compile("<keycloak.version>([^<]+)</keycloak.version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(version.find()).isTrue();
        assertThat(KeycloakContainerRuntime.DEFAULT_IMAGE).endsWith(":" + version.group(1));
    }
}
