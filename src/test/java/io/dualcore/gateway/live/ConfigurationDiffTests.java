package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigurationDiffTests {

    @Test
    void betweenWhenNamesAddedRemovedAndChangedThenEachListedSorted() {
        ConfigurationDiff.Changes changes = ConfigurationDiff.Changes.between(
                List.of(Map.of("a", 1, "b", 2, "c", 3)), List.of(Map.of("b", 2, "c", 4, "e", 5, "d", 6)));

        assertThat(changes.added()).containsExactly("d", "e");
        assertThat(changes.removed()).containsExactly("a");
        assertThat(changes.changed()).containsExactly("c");
    }

    @Test
    void betweenWhenOnlyTheSecondMapOfANameDiffersThenChanged() {
        ConfigurationDiff.Changes changes = ConfigurationDiff.Changes.between(
                List.of(Map.of("r", "definition"), Map.of("r", "policy-1")),
                List.of(Map.of("r", "definition"), Map.of("r", "policy-2")));

        assertThat(changes.changed()).containsExactly("r");
        assertThat(changes.isEmpty()).isFalse();
    }

    @Test
    void summaryWhenSeveralKindsChangedThenOneLineByKindNamesOnly() {
        ConfigurationDiff diff = new ConfigurationDiff(
                new ConfigurationDiff.Changes(List.of("new"), List.of(), List.of("orders")),
                new ConfigurationDiff.Changes(List.of(), List.of("old-plan"), List.of()),
                new ConfigurationDiff.Changes(List.of(), List.of(), List.of()));

        assertThat(diff.summary()).isEqualTo("routes +[new] ~[orders]; plans -[old-plan]");
        assertThat(diff.isEmpty()).isFalse();
    }

    @Test
    void summaryWhenNothingChangedThenNoChange() {
        ConfigurationDiff.Changes none = new ConfigurationDiff.Changes(List.of(), List.of(), List.of());

        assertThat(new ConfigurationDiff(none, none, none).summary()).isEqualTo("no change");
    }
}
