package io.dualcore.gateway.live;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The effective properties of an environment (canonical name to resolved value), their content hash (the
 * configuration's version) and which of them a reload applies. Values stay in memory only: what leaves this class is
 * the hash and property names.
 */
final class EffectiveProperties {

    /**
     * Settings a reload applies that are neither routes, plans nor issuers (each is one entry of
     * {@link ConfigurationDiff#settings()}): the identity header prefix and the assertion's issuer and lifetime (the
     * assertion key's rotation period takes a restart), what is stripped as credentials, the back-channel logout
     * clients.
     */
    static final List<String> LIVE_SETTINGS = List.of(
            "dualcore.credentials",
            "dualcore.identity.assertion.issuer",
            "dualcore.identity.assertion.ttl",
            "dualcore.identity.header-prefix",
            "dualcore.revocation.backchannel-logout.clients");

    /**
     * Properties a reload applies: routes and their predicates, per-route policies, bindings and token checks
     * ({@code introspect}, {@code dpop}), plans, the OIDC issuers (their {@code dpop} and {@code introspection} too:
     * {@code auth.RequestChecks} is compiled with each configuration), and the {@link #LIVE_SETTINGS}. Everything else
     * takes effect on a restart and is reported as such.
     */
    static final List<ConfigurationPropertyName> LIVE = Stream.concat(
                    Stream.of(
                            "dualcore.auth.oidc.issuers",
                            "dualcore.routes",
                            "dualcore.rate-limit.plans",
                            "spring.cloud.gateway.server.webflux.routes",
                            "spring.cloud.gateway.server.webflux.default-filters"),
                    EffectiveProperties.LIVE_SETTINGS.stream())
            .map(ConfigurationPropertyName::of)
            .toList();

    private static final ConfigurationPropertyName EDGE = ConfigurationPropertyName.of("dualcore.auth.edge");

    /**
     * Edge token settings a reload applies (the key ring is the startup one: its inline keys and directory take a
     * restart; the directory's files reload on their own).
     */
    private static final Set<String> EDGE_LIVE =
            Set.of("issuer", "audiences", "max-lifetime", "token-type", "replay-protection");

    /** Sources that never change while the process runs, or are the process's own bookkeeping. */
    private static final Set<String> SKIPPED_SOURCES = Set.of(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME,
            "configurationProperties",
            "server.ports",
            "random");

    private EffectiveProperties() {}

    /** Every enumerable property of the environment's configuration (files, command line, defaults), resolved. */
    static SortedMap<String, String> of(ConfigurableEnvironment environment) {
        SortedMap<String, String> properties = new TreeMap<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (SKIPPED_SOURCES.contains(source.getName()) || !(source instanceof EnumerablePropertySource<?> names)) {
                continue;
            }
            for (String name : names.getPropertyNames()) {
                String canonical = canonical(name);
                if (canonical == null || canonical.startsWith("local.") || properties.containsKey(canonical)) {
                    continue;
                }
                properties.put(canonical, resolved(environment, name));
            }
        }
        return properties;
    }

    private static String canonical(String name) {
        try {
            ConfigurationPropertyName adapted = ConfigurationPropertyName.adapt(name, '.');
            return adapted.isEmpty() ? null : adapted.toString();
        } catch (RuntimeException ex) {
            return null;
        }
    }

    private static String resolved(ConfigurableEnvironment environment, String name) {
        try {
            String value = environment.getProperty(name);
            return (value != null) ? value : "";
        } catch (RuntimeException ex) {
            // an unresolvable placeholder: the raw text still identifies the content
            Object raw = environment.getPropertySources().stream()
                    .map(source -> source.getProperty(name))
                    .filter(java.util.Objects::nonNull)
                    .findFirst()
                    .orElse("");
            return "unresolved:" + raw;
        }
    }

    /** The content hash of the properties: 16 hex digits of their SHA-256 (sorted {@code name=value} lines). */
    static String version(Map<String, String> properties) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(properties).forEach((name, value) -> {
                digest.update(name.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) '=');
                digest.update(value.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) '\n');
            });
            return HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }

    /** Whether a reload applies the property (relaxed: {@code rateLimit} is {@code rate-limit}). */
    static boolean isLive(String name) {
        ConfigurationPropertyName property = ConfigurationPropertyName.of(name);
        if (EDGE.isAncestorOf(property)
                && EDGE_LIVE.contains(
                        property.getElement(EDGE.getNumberOfElements(), ConfigurationPropertyName.Form.DASHED))) {
            return true;
        }
        for (ConfigurationPropertyName live : LIVE) {
            if (live.equals(property) || live.isAncestorOf(property)) {
                return true;
            }
        }
        return false;
    }

    /** Names of properties a reload does not apply whose values differ (added, removed or changed), sorted. */
    static List<String> restartOnlyDifferences(Map<String, String> running, Map<String, String> candidate) {
        Set<String> names = new TreeSet<>(running.keySet());
        names.addAll(candidate.keySet());
        List<String> differences = new ArrayList<>();
        for (String name : names) {
            if (!isLive(name) && !java.util.Objects.equals(running.get(name), candidate.get(name))) {
                differences.add(name);
            }
        }
        return differences;
    }
}
