package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class ConfigurationSourcesTests {

    @TempDir
    Path directory;

    @Test
    void directoryOfWhenFileLocationThenItsParent() {
        assertThat(ConfigurationSources.directoryOf("optional:file:/etc/dualcore/live.yml"))
                .isEqualTo(Path.of("/etc/dualcore"));
        assertThat(ConfigurationSources.directoryOf("file:./config/")).isEqualTo(Path.of("./config/"));
        assertThat(ConfigurationSources.directoryOf("optional:file:/etc/app/live[.yaml]"))
                .isEqualTo(Path.of("/etc/app"));
    }

    @Test
    void directoryOfWhenClasspathThenNotWatched() {
        assertThat(ConfigurationSources.directoryOf("optional:classpath:/config/"))
                .isNull();
    }

    @Test
    void readWhenFileChangedThenFreshValuesAndRunningEnvironmentUntouched() throws IOException {
        Path file = this.directory.resolve("live.yml");
        Files.writeString(file, "dualcore.reload.rescan: 5s\n");
        StandardEnvironment running = environment("file:" + file);
        Files.writeString(file, "dualcore.reload.rescan: 7s\n");

        ConfigurationSources sources = new ConfigurationSources(running);

        assertThat(sources.read().getProperty("dualcore.reload.rescan")).isEqualTo("7s");
        assertThat(running.getProperty("dualcore.reload.rescan")).isNull();
        assertThat(sources.directories())
                .containsExactly(this.directory.toAbsolutePath().normalize());
    }

    private static StandardEnvironment environment(String additionalLocation) {
        StandardEnvironment running = new StandardEnvironment();
        running.getPropertySources()
                .addFirst(new MapPropertySource(
                        "commandLineArgs",
                        Map.of(
                                "spring.config.location",
                                "optional:file:./none/",
                                "spring.config.additional-location",
                                "optional:" + additionalLocation)));
        return running;
    }
}
