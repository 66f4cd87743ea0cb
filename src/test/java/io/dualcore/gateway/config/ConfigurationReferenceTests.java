package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's configuration reference cannot drift from the code: every {@code dualcore.*} property of the Spring
 * Boot configuration metadata (generated from the settings records by the configuration processor), expanded into
 * the elements of its lists and maps of records, has a row in a README table, and every row names such a property.
 * Tables belong to the heading above them, whose {@code (`dualcore...`)} gives the prefix of their rows.
 */
class ConfigurationReferenceTests {

    private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

    private static final Pattern HEADING_PREFIX = Pattern.compile("^#+ .*\\(`(dualcore[^`]*)`");

    private static final Pattern ROW = Pattern.compile("^\\| *(`[^|]*`) *\\|");

    private static final Pattern NAME = Pattern.compile("`([^`]+)`");

    @Test
    void referenceWhenComparedWithMetadataThenSameProperties() throws Exception {
        Set<String> code = metadataProperties();
        Set<String> readme = readmeProperties();

        assertThat(code).as("the metadata lists dualcore properties").contains("dualcore.auth.edge.key-directory");
        Set<String> undocumented = new TreeSet<>(code);
        undocumented.removeAll(readme);
        Set<String> unknown = new TreeSet<>(readme);
        unknown.removeAll(code);
        assertThat(undocumented)
                .as("properties in the code but not in README's reference")
                .isEmpty();
        assertThat(unknown)
                .as("properties in README's reference that the code does not have")
                .isEmpty();
    }

    @Test
    void metadataWhenGeneratedThenEveryPropertyDescribed() throws Exception {
        List<String> undescribed = new ArrayList<>();
        for (JsonNode property :
                JsonMapper.builder().build().readTree(METADATA.toFile()).path("properties")) {
            String name = property.path("name").asString();
            if (name.startsWith("dualcore.")
                    && property.path("description").asString("").isBlank()) {
                undescribed.add(name);
            }
        }
        assertThat(undescribed)
                .as("dualcore properties without a description (Javadoc @param)")
                .isEmpty();
    }

    /** The metadata's properties, lists and maps of records expanded into their elements' properties. */
    private static Set<String> metadataProperties() throws Exception {
        assertThat(METADATA)
                .as("built by the configuration processor at compile time")
                .exists();
        Set<String> names = new TreeSet<>();
        for (JsonNode property :
                JsonMapper.builder().build().readTree(METADATA.toFile()).path("properties")) {
            String name = property.path("name").asString();
            if (!name.startsWith("dualcore.")) {
                continue;
            }
            String type = property.path("type").asString();
            Matcher list = Pattern.compile("^java\\.util\\.List<(.+)>$").matcher(type);
            Matcher map = Pattern.compile("^java\\.util\\.Map<java\\.lang\\.String,(.+)>$")
                    .matcher(type);
            if (list.matches() && isRecord(list.group(1))) {
                expand(name + "[]", Class.forName(list.group(1)), names);
            } else if (map.matches() && isRecord(map.group(1))) {
                expand(name + ".*", Class.forName(map.group(1)), names);
            } else {
                names.add(name);
            }
        }
        return names;
    }

    private static boolean isRecord(String className) {
        try {
            return Class.forName(className).isRecord();
        } catch (ClassNotFoundException ex) {
            return false;
        }
    }

    private static void expand(String prefix, Class<?> record, Set<String> names) {
        for (RecordComponent component : record.getRecordComponents()) {
            String name = prefix + "." + kebab(component.getName());
            Type type = component.getGenericType();
            if (type instanceof Class<?> plain && plain.isRecord()) {
                expand(name, plain, names);
            } else if (type instanceof ParameterizedType generic
                    && generic.getActualTypeArguments()[generic.getActualTypeArguments().length - 1]
                            instanceof Class<?> element
                    && element.isRecord()) {
                expand(name + (generic.getRawType() == Map.class ? ".*" : "[]"), element, names);
            } else {
                names.add(name);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Property rows of README tables under headings that name a {@code dualcore} prefix. */
    private static Set<String> readmeProperties() throws Exception {
        Set<String> names = new TreeSet<>();
        String prefix = null;
        for (String line : Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8)) {
            if (line.startsWith("#")) {
                Matcher heading = HEADING_PREFIX.matcher(line);
                prefix = heading.find() ? heading.group(1) : null;
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (prefix == null || !row.find()) {
                continue;
            }
            String previous = null;
            Matcher name = NAME.matcher(row.group(1));
            while (name.find()) {
                String relative = name.group(1);
                // "`rate-limit.oidc` / `.edge`": a leading dot replaces the last segment of the name before it
                if (relative.startsWith(".") && previous != null) {
                    relative = previous.substring(0, previous.lastIndexOf('.')) + relative;
                }
                previous = relative;
                names.add(normalize(prefix + "." + relative));
            }
        }
        return names;
    }

    /** {@code <route-id>}, {@code <name>}: any map key. */
    private static String normalize(String name) {
        return name.replaceAll("<[^>]+>", "*").replace("[]", "[]");
    }
}
