package io.dualcore.gateway.support.settings;

import java.util.List;

/** Settings that do not bind or break their constraints: every problem, each naming its property and the fix. */
public final class InvalidSettingsException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    InvalidSettingsException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return this.problems;
    }
}
