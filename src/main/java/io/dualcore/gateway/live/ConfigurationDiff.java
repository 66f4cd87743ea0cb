package io.dualcore.gateway.live;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a candidate changes against the configuration in force: routes, plans and issuers added, removed or changed,
 * and the other live settings changed, by name only (never a value: settings may hold secrets).
 *
 * @param routes route ids (a change of the Spring Cloud Gateway route or of its policy)
 * @param plans rate-limit plan names
 * @param issuers OIDC issuer names
 * @param settings the other live settings changed, by property prefix ({@code dualcore.identity.header-prefix},
 *     {@code dualcore.credentials}, ...: {@link EffectiveProperties#LIVE_SETTINGS})
 */
public record ConfigurationDiff(Changes routes, Changes plans, Changes issuers, Changes settings) {

    /** No setting beside routes, plans and issuers changed. */
    public ConfigurationDiff(Changes routes, Changes plans, Changes issuers) {
        this(routes, plans, issuers, new Changes(List.of(), List.of(), List.of()));
    }

    static ConfigurationDiff between(ActiveConfiguration.Sources before, ActiveConfiguration.Sources after) {
        return new ConfigurationDiff(
                Changes.between(
                        List.of(before.routeDefinitions(), before.routeSettings()),
                        List.of(after.routeDefinitions(), after.routeSettings())),
                Changes.between(List.of(before.planSettings()), List.of(after.planSettings())),
                Changes.between(List.of(before.issuers()), List.of(after.issuers())),
                Changes.between(List.of(settings(before.effective())), List.of(settings(after.effective()))));
    }

    /** The effective properties of each live setting, by its prefix (every prefix present, so only "changed"). */
    private static Map<String, Map<String, String>> settings(Map<String, String> effective) {
        Map<String, Map<String, String>> settings = new TreeMap<>();
        for (String prefix : EffectiveProperties.LIVE_SETTINGS) {
            Map<String, String> values = new TreeMap<>();
            if (effective != null) {
                effective.forEach((name, value) -> {
                    if (name.equals(prefix) || name.startsWith(prefix + ".") || name.startsWith(prefix + "[")) {
                        values.put(name, value);
                    }
                });
            }
            settings.put(prefix, values);
        }
        return settings;
    }

    public boolean isEmpty() {
        return this.routes.isEmpty() && this.plans.isEmpty() && this.issuers.isEmpty() && this.settings.isEmpty();
    }

    /**
     * One line for logs, audit and health: {@code routes +[a] -[b] ~[c]; plans ~[gold]; settings
     * ~[dualcore.credentials]}, or {@code no change}.
     */
    public String summary() {
        List<String> parts = new ArrayList<>();
        this.routes.describe("routes", parts);
        this.plans.describe("plans", parts);
        this.issuers.describe("issuers", parts);
        this.settings.describe("settings", parts);
        return parts.isEmpty() ? "no change" : String.join("; ", parts);
    }

    /** Names added, removed and changed, each sorted. */
    public record Changes(List<String> added, List<String> removed, List<String> changed) {

        /** Compares keyed settings; a name is changed when any of its maps holds a different value. */
        static Changes between(List<Map<String, ?>> before, List<Map<String, ?>> after) {
            TreeSet<String> namesBefore = new TreeSet<>();
            before.forEach(map -> namesBefore.addAll(map.keySet()));
            TreeSet<String> namesAfter = new TreeSet<>();
            after.forEach(map -> namesAfter.addAll(map.keySet()));
            List<String> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            for (String name : namesAfter) {
                if (!namesBefore.contains(name)) {
                    added.add(name);
                    continue;
                }
                for (int i = 0; i < after.size(); i++) {
                    if (!Objects.equals(before.get(i).get(name), after.get(i).get(name))) {
                        changed.add(name);
                        break;
                    }
                }
            }
            for (String name : namesBefore) {
                if (!namesAfter.contains(name)) {
                    removed.add(name);
                }
            }
            return new Changes(List.copyOf(added), List.copyOf(removed), List.copyOf(changed));
        }

        public boolean isEmpty() {
            return this.added.isEmpty() && this.removed.isEmpty() && this.changed.isEmpty();
        }

        void describe(String what, List<String> parts) {
            if (isEmpty()) {
                return;
            }
            StringBuilder part = new StringBuilder(what);
            if (!this.added.isEmpty()) {
                part.append(" +").append(this.added);
            }
            if (!this.removed.isEmpty()) {
                part.append(" -").append(this.removed);
            }
            if (!this.changed.isEmpty()) {
                part.append(" ~").append(this.changed);
            }
            parts.add(part.toString());
        }
    }
}
