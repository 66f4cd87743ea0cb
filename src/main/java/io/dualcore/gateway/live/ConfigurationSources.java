package io.dualcore.gateway.live;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the configuration files again, exactly as Spring Boot read them at startup: a fresh environment with the
 * running one's command line, system and test property sources, through Boot's own config-data processing (so
 * {@code spring.config.location}, {@code spring.config.additional-location}, imports and profiles mean what they
 * meant at startup). The running environment is never changed.
 */
public final class ConfigurationSources {

    /** Boot's name of the property sources it loads from config data. */
    private static final String CONFIG_DATA_SOURCE_PREFIX = "Config resource ";

    /** Boot's default locations when {@code spring.config.location} is not set. */
    private static final String DEFAULT_LOCATIONS = "optional:file:./;optional:file:./config/";

    private final ConfigurableEnvironment running;

    private final ResourceLoader resourceLoader;

    public ConfigurationSources(ConfigurableEnvironment running) {
        Assert.notNull(running, "running cannot be null");
        this.running = running;
        this.resourceLoader = new DefaultResourceLoader(ConfigurationSources.class.getClassLoader());
    }

    /** The running environment (the configuration the process started with). */
    public ConfigurableEnvironment running() {
        return this.running;
    }

    /**
     * A fresh environment from the configuration files as they are now.
     *
     * @throws InvalidConfigurationException when a file cannot be read or parsed (named, with the line; never its
     *     content)
     */
    public ConfigurableEnvironment read() {
        StandardEnvironment fresh = new StandardEnvironment();
        MutablePropertySources sources = fresh.getPropertySources();
        List.copyOf(sources.stream().map(PropertySource::getName).toList()).forEach(sources::remove);
        for (PropertySource<?> source : this.running.getPropertySources()) {
            if (!source.getName().startsWith(CONFIG_DATA_SOURCE_PREFIX)
                    && !"configurationProperties".equals(source.getName())) {
                sources.addLast(source);
            }
        }
        try {
            ConfigDataEnvironmentPostProcessor.applyTo(
                    fresh,
                    this.resourceLoader,
                    new DefaultBootstrapContext(),
                    List.of(this.running.getActiveProfiles()));
        } catch (RuntimeException ex) {
            throw new InvalidConfigurationException(unreadable(ex));
        }
        return fresh;
    }

    private static String unreadable(RuntimeException ex) {
        Throwable cause = ex;
        while (cause != null) {
            if (cause instanceof MarkedYAMLException yaml) {
                String at = (yaml.getProblemMark() != null)
                        ? " at line " + (yaml.getProblemMark().getLine() + 1) + ", column "
                                + (yaml.getProblemMark().getColumn() + 1)
                        : "";
                return "malformed YAML" + fileOf(ex) + ": " + yaml.getProblem() + at;
            }
            cause = cause.getCause();
        }
        return "the configuration files cannot be read" + fileOf(ex) + ": "
                + ConfigurationCompiler.rootMessage(ex).lines().findFirst().orElse("");
    }

    /** The file named in Boot's message ("... from [file [/etc/live.yml]] ..."), else nothing. */
    private static String fileOf(RuntimeException ex) {
        String message = String.valueOf(ex.getMessage());
        int start = message.indexOf("file [");
        int end = (start >= 0) ? message.indexOf(']', start) : -1;
        return (end > start) ? " in " + message.substring(start + 6, end) : "";
    }

    /**
     * The directories of the file locations Boot reads ({@code spring.config.location}, else the defaults
     * {@code ./} and {@code ./config/}, plus {@code spring.config.additional-location}) that exist now. A directory
     * is watched, not the file: a Kubernetes ConfigMap volume swaps its {@code ..data} symlink, which changes no
     * watched file itself.
     */
    public List<Path> directories() {
        String locations = this.running.getProperty("spring.config.location", DEFAULT_LOCATIONS);
        String additional = this.running.getProperty("spring.config.additional-location", "");
        Set<Path> directories = new LinkedHashSet<>();
        for (String location : StringUtils.tokenizeToStringArray(locations + "," + additional, ",;")) {
            Path directory = directoryOf(location.trim());
            if (directory != null && Files.isDirectory(directory)) {
                directories.add(directory.toAbsolutePath().normalize());
            }
        }
        return new ArrayList<>(directories);
    }

    static Path directoryOf(String location) {
        String path = location.startsWith("optional:") ? location.substring("optional:".length()) : location;
        if (!path.startsWith("file:")) {
            // classpath resources do not change while the process runs
            return null;
        }
        path = path.substring("file:".length());
        int hint = path.indexOf('[');
        if (hint >= 0) {
            path = path.substring(0, hint);
        }
        int wildcard = path.indexOf('*');
        if (wildcard >= 0) {
            path = path.substring(0, wildcard);
        }
        if (path.isEmpty()) {
            return Path.of(".");
        }
        Path resolved = Path.of(path);
        if (path.endsWith("/") || Files.isDirectory(resolved)) {
            return resolved;
        }
        return (resolved.getParent() != null) ? resolved.getParent() : Path.of(".");
    }
}
