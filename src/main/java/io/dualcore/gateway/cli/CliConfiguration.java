package io.dualcore.gateway.cli;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.settings.SettingsBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.util.StringUtils;

/**
 * The gateway's configuration as the gateway reads it, without starting it: {@code config/application.yml} (or the
 * files of {@code --spring.config.location} / {@code SPRING_CONFIG_LOCATION}), outranked by environment variables and
 * system properties, bound by Spring Boot's {@link Binder} into the same settings records.
 */
final class CliConfiguration {

    private final List<Path> files;

    private final Binder binder;

    private CliConfiguration(List<Path> files, ConfigurableEnvironment environment) {
        this.files = files;
        this.binder = Binder.get(environment);
    }

    /**
     * Loads the configuration.
     *
     * @param location comma-separated files ({@code file:} prefixes allowed), or {@code null} for the gateway's default
     */
    static CliConfiguration load(String location) {
        return load(files(location));
    }

    static CliConfiguration load(List<Path> files) {
        StandardEnvironment environment = new StandardEnvironment();
        YamlPropertySourceLoader yaml = new YamlPropertySourceLoader();
        // a later file outranks an earlier one, as with spring.config.location; env vars outrank them all
        for (int i = files.size() - 1; i >= 0; i--) {
            Path file = files.get(i);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("Configuration file " + file + " does not exist");
            }
            try {
                for (PropertySource<?> source : yaml.load(file.toString(), new FileSystemResource(file))) {
                    environment.getPropertySources().addLast(source);
                }
            } catch (IOException ex) {
                throw new UncheckedIOException("Cannot read " + file, ex);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(
                        "Configuration file " + file + " is not valid YAML: " + firstLine(ex.getMessage()), ex);
            }
        }
        return new CliConfiguration(files, environment);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static List<Path> files(String location) {
        String configured = StringUtils.hasText(location) ? location : System.getenv("SPRING_CONFIG_LOCATION");
        List<Path> files = new ArrayList<>();
        if (StringUtils.hasText(configured)) {
            for (String item : StringUtils.commaDelimitedListToStringArray(configured)) {
                String path = item.strip();
                path = path.startsWith("optional:") ? path.substring("optional:".length()) : path;
                path = path.startsWith("file:") ? path.substring("file:".length()) : path;
                if (!path.isEmpty()) {
                    files.add(Path.of(path));
                }
            }
            return files;
        }
        // the gateway's default: ./config/application.yml, then ./application.yml (Spring Boot's file locations)
        for (String candidate : List.of("application.yml", "config/application.yml")) {
            if (Files.isRegularFile(Path.of(candidate))) {
                files.add(Path.of(candidate));
            }
        }
        return files;
    }

    List<Path> files() {
        return this.files;
    }

    Binder binder() {
        return this.binder;
    }

    /** The authentication settings, bound and validated as the gateway does at startup. */
    AuthProperties auth() {
        return SettingsBinding.bind(this.binder, "dualcore.auth", AuthProperties.class);
    }

    /** The authentication settings as bound, constraints not checked: for {@code config check}'s other checks. */
    AuthProperties authUnchecked() {
        return SettingsBinding.bindUnchecked(this.binder, "dualcore.auth", AuthProperties.class);
    }

    /** The verification modes the gateway registers (config.VerificationModesConfiguration), for name checks. */
    static VerificationModes modes() {
        return VerificationModes.of(List.of(new OidcVerificationMode(), new EdgeVerificationMode()));
    }

    RouteProperties routes() {
        return this.binder.bindOrCreate("dualcore", RouteProperties.class);
    }

    /** The Spring Cloud Gateway routes: id to predicates, in order. */
    Map<String, List<String>> gatewayRoutes() {
        Map<String, List<String>> routes = new LinkedHashMap<>();
        for (int i = 0; ; i++) {
            String prefix = "spring.cloud.gateway.server.webflux.routes[" + i + "]";
            String id = this.binder.bind(prefix + ".id", String.class).orElse(null);
            if (id == null) {
                return routes;
            }
            routes.put(
                    id,
                    this.binder
                            .bind(prefix + ".predicates", Bindable.listOf(String.class))
                            .orElse(List.of()));
        }
    }
}
