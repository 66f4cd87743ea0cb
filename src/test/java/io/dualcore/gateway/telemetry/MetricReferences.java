package io.dualcore.gateway.telemetry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metrics and labels the shipped Grafana dashboard and Prometheus rules use, read from their PromQL: each
 * expression's metric names (recording rules, named with a colon, are not metrics of the gateway), the labels each
 * selector matches on its metric, and the labels of {@code by}/{@code without}/{@code on}/{@code ignoring} clauses,
 * which must exist on at least one metric of the same expression.
 */
record MetricReferences(Map<String, Set<String>> labelsByMetric, List<Grouping> groupings) {

    /** Labels an expression groups or matches by, and the metrics of that expression. */
    record Grouping(String expression, Set<String> labels, Set<String> metrics) {}

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)}");

    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");

    private static final Pattern CLAUSE =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");

    private static final Pattern NAME = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()");

    private static final Pattern LABEL_VALUES =
            Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");

    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "and",
            "or",
            "unless",
            "offset",
            "bool",
            "inf",
            "nan");

    /** The references of PromQL expressions (Grafana's {@code $__rate_interval} and {@code $variables} allowed). */
    static MetricReferences of(List<String> expressions) {
        Map<String, Set<String>> labels = new TreeMap<>();
        List<Grouping> groupings = new ArrayList<>();
        for (String raw : expressions) {
            Matcher labelValues = LABEL_VALUES.matcher(raw);
            if (labelValues.matches()) {
                labels.computeIfAbsent(labelValues.group(1), m -> new TreeSet<>())
                        .add(labelValues.group(2));
                continue;
            }
            String expression = raw.replace("$__rate_interval", "5m");
            // label values never name a metric: blank the strings, keep the selectors' label names
            String text = STRING.matcher(expression).replaceAll("\"\"");
            Set<String> metrics = new LinkedHashSet<>();
            Matcher selector = SELECTOR.matcher(text);
            StringBuilder rest = new StringBuilder();
            while (selector.find()) {
                String metric = selector.group(1);
                Set<String> matched = new TreeSet<>();
                Matcher matcher = MATCHER.matcher(selector.group(2));
                while (matcher.find()) {
                    matched.add(matcher.group(1));
                }
                if (metric != null && !metric.contains(":")) {
                    metrics.add(metric);
                    labels.computeIfAbsent(metric, m -> new TreeSet<>()).addAll(matched);
                }
                selector.appendReplacement(rest, " ");
            }
            selector.appendTail(rest);
            Set<String> grouped = new TreeSet<>();
            Matcher clause = CLAUSE.matcher(rest);
            StringBuilder names = new StringBuilder();
            while (clause.find()) {
                for (String label : clause.group(1).split(",")) {
                    if (!label.isBlank()) {
                        grouped.add(label.strip());
                    }
                }
                clause.appendReplacement(names, " ");
            }
            clause.appendTail(names);
            Matcher name = NAME.matcher(names.toString().replaceAll("\\[[^]]*]", " "));
            while (name.find()) {
                String metric = name.group(1);
                if (!KEYWORDS.contains(metric.toLowerCase()) && !metric.contains(":")) {
                    metrics.add(metric);
                    labels.computeIfAbsent(metric, m -> new TreeSet<>());
                }
            }
            if (!grouped.isEmpty()) {
                groupings.add(new Grouping(raw, grouped, metrics));
            }
        }
        return new MetricReferences(labels, groupings);
    }

    /** Every {@code expr} of the dashboard's panels and every query of its variables. */
    static List<String> dashboardExpressions(Path dashboard) throws IOException {
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(dashboard));
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : root.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asString());
            }
        }
        for (JsonNode variable : root.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            expressions.add(query.isObject() ? query.path("query").asString() : query.asString());
        }
        return expressions;
    }

    /** Every rule's {@code expr} of a Prometheus rule file. */
    static List<String> ruleExpressions(Path rules) throws IOException {
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> rule : rules(rules)) {
            expressions.add((String) rule.get("expr"));
        }
        return expressions;
    }

    /** The rules of every group of a Prometheus rule file. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rules(Path rules) throws IOException {
        List<Map<String, Object>> all = new ArrayList<>();
        try (InputStream in = Files.newInputStream(rules)) {
            Map<String, Object> root = new Yaml().load(in);
            for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
                all.addAll((List<Map<String, Object>>) group.get("rules"));
            }
        }
        return all;
    }

    /**
     * What the references name that the scraped series do not have, one line each; empty when every metric exists
     * with every label used on it.
     */
    List<String> missingFrom(Map<String, Set<String>> scraped) {
        List<String> missing = new ArrayList<>();
        this.labelsByMetric.forEach((metric, labels) -> {
            Set<String> present = scraped.get(metric);
            if (present == null) {
                missing.add("metric " + metric);
                return;
            }
            for (String label : labels) {
                if (!present.contains(label)) {
                    missing.add("label " + label + " of " + metric);
                }
            }
        });
        for (Grouping grouping : this.groupings) {
            for (String label : grouping.labels()) {
                boolean found = grouping.metrics().stream()
                        .map(scraped::get)
                        .anyMatch(present -> present != null && present.contains(label));
                if (!found) {
                    missing.add("label " + label + " (grouping) of " + grouping.expression());
                }
            }
        }
        return missing;
    }
}
