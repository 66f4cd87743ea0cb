package io.dualcore.gateway.telemetry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.springframework.boot.test.system.CapturedOutput;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads audit events from captured output: Elastic Common Schema JSON lines of the {@code dualcore.audit} logger. */
final class AuditLines {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AuditLines() {}

    /** Every audit line captured so far, parsed. */
    static List<JsonNode> all(CapturedOutput output) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.getAll().split("\\R")) {
            if (line.startsWith("{") && line.contains(AuditLog.LOGGER)) {
                JsonNode node = JSON.readTree(line);
                if (AuditLog.LOGGER.equals(text(node, "log.logger"))) {
                    lines.add(node);
                }
            }
        }
        return lines;
    }

    /** Waits (audit lines are written by a background thread) for a line that matches. */
    static JsonNode await(CapturedOutput output, Predicate<JsonNode> condition) {
        AtomicReference<List<JsonNode>> seen = new AtomicReference<>(List.of());
        try {
            return Awaitility.await("an audit line that matches")
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(
                            () -> {
                                List<JsonNode> lines = all(output);
                                seen.set(lines);
                                return lines.stream().filter(condition).findFirst();
                            },
                            Optional::isPresent)
                    .get();
        } catch (ConditionTimeoutException ex) {
            throw new AssertionError("no such audit line among " + seen.get(), ex);
        }
    }

    /**
     * A field by its ECS name, whether the formatter nests dotted names ({@code {"event":{"outcome":..}}}) or not;
     * {@code null} when absent.
     */
    static String text(JsonNode line, String name) {
        JsonNode flat = line.get(name);
        if (flat != null && !flat.isNull()) {
            return flat.asString();
        }
        JsonNode node = line;
        for (String part : name.split("\\.")) {
            node = node.get(part);
            if (node == null || node.isNull()) {
                return null;
            }
        }
        return node.isValueNode() ? node.asString() : null;
    }
}
