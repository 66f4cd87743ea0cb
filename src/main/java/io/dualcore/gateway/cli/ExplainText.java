package io.dualcore.gateway.cli;

import java.util.List;
import java.util.Map;

/**
 * The explain endpoint's JSON as text for a terminal: the outcome first, then one block per step with its details
 * indented, in the engine's order.
 */
final class ExplainText {

    private ExplainText() {}

    static String render(Map<?, ?> explanation) {
        StringBuilder text = new StringBuilder();
        text.append("decision: ")
                .append(explanation.get("outcome"))
                .append(" (")
                .append(explanation.get("status"));
        if (explanation.get("problem") instanceof Map<?, ?> problem) {
            text.append(' ').append(problem.get("code")).append(": ").append(problem.get("detail"));
        }
        text.append(")\n");
        if (explanation.get("token") != null) {
            text.append("token: ").append(explanation.get("token")).append('\n');
        }
        if (explanation.get("steps") instanceof List<?> steps) {
            int number = 1;
            for (Object entry : steps) {
                if (!(entry instanceof Map<?, ?> step)) {
                    continue;
                }
                text.append(number++)
                        .append(". ")
                        .append(step.get("step"))
                        .append(": ")
                        .append(step.get("result"))
                        .append('\n');
                if (step.get("detail") != null) {
                    detail(text, step.get("detail"), "     ");
                }
            }
        }
        return text.toString();
    }

    private static void detail(StringBuilder text, Object value, String indent) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> member : map.entrySet()) {
                Object nested = member.getValue();
                if (isScalar(nested) || isScalarList(nested)) {
                    text.append(indent)
                            .append(member.getKey())
                            .append(": ")
                            .append(scalar(nested))
                            .append('\n');
                } else {
                    text.append(indent).append(member.getKey()).append(":\n");
                    detail(text, nested, indent + "  ");
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> map && map.containsKey("id")) {
                    // a route tried: one line
                    text.append(indent)
                            .append(Boolean.TRUE.equals(map.get("matched")) ? "+ " : "- ")
                            .append(map.get("id"));
                    if (map.get("predicate") != null) {
                        text.append("  (not matched: ")
                                .append(map.get("predicate"))
                                .append(')');
                    }
                    text.append('\n');
                } else {
                    text.append(indent).append("- ").append(scalar(item)).append('\n');
                }
            }
        } else {
            text.append(indent).append(scalar(value)).append('\n');
        }
    }

    private static boolean isScalar(Object value) {
        return !(value instanceof Map<?, ?>) && !(value instanceof List<?>);
    }

    private static boolean isScalarList(Object value) {
        return value instanceof List<?> list && list.stream().allMatch(ExplainText::isScalar);
    }

    private static String scalar(Object value) {
        if (value instanceof List<?> list) {
            return String.join(", ", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }
}
