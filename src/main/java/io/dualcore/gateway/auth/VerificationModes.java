package io.dualcore.gateway.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.springframework.util.Assert;

/**
 * The verification modes this gateway accepts, registered in one place (built in {@code config} from the
 * {@link VerificationMode} beans): names in configuration ({@code access.modes}, {@code Mode=},
 * {@code dualcore.admin.modes}, CEL's {@code mode}) resolve here, and an unknown name fails at startup with the list
 * of registered names.
 */
public final class VerificationModes {

    private final List<VerificationMode> modes;

    /** By {@link Mode#index()}; {@code null} for a mode defined but not registered. */
    private final VerificationMode[] byIndex;

    private VerificationModes(List<VerificationMode> modes) {
        this.modes = List.copyOf(modes);
        int slots = 0;
        for (VerificationMode mode : this.modes) {
            slots = Math.max(slots, mode.mode().index() + 1);
        }
        this.byIndex = new VerificationMode[slots];
        for (VerificationMode mode : this.modes) {
            Assert.isTrue(
                    this.byIndex[mode.mode().index()] == null,
                    () -> "mode '" + mode.mode().name() + "' is registered twice");
            this.byIndex[mode.mode().index()] = mode;
        }
    }

    /** @param modes the registered modes, in the order they are listed to operators */
    public static VerificationModes of(List<? extends VerificationMode> modes) {
        Assert.notEmpty(modes, "at least one verification mode must be registered");
        return new VerificationModes(new ArrayList<>(modes));
    }

    /** The registered modes. */
    public List<VerificationMode> all() {
        return this.modes;
    }

    /** One more than the highest registered {@link Mode#index()}: the length of a per-mode array. */
    public int slots() {
        return this.byIndex.length;
    }

    /** Whether identities of this mode can exist in this gateway. */
    public boolean isRegistered(Mode mode) {
        return mode.index() < this.byIndex.length && this.byIndex[mode.index()] != null;
    }

    /** The registered mode of this {@link Mode}, or {@code null} when it is not registered. */
    public VerificationMode get(Mode mode) {
        return isRegistered(mode) ? this.byIndex[mode.index()] : null;
    }

    /** The registered modes' names, in order. */
    public List<String> names() {
        return this.modes.stream().map(mode -> mode.mode().name()).toList();
    }

    /**
     * The registered mode of this name (case-insensitive).
     *
     * @param where the property being read, for the error message
     * @throws IllegalStateException naming the property, the value and the registered names
     */
    public Mode parse(String where, String name) {
        String wanted = (name != null) ? name.trim().toLowerCase(Locale.ROOT) : "";
        for (VerificationMode mode : this.modes) {
            if (mode.mode().name().equals(wanted)) {
                return mode.mode();
            }
        }
        throw new IllegalStateException(where + ": unknown mode '" + name + "'; registered modes are " + names());
    }

    /**
     * Every registered mode's access rule for one route, by {@link Mode#index()}.
     *
     * @param where the route's access property prefix
     * @param lists the route's access lists by property name
     */
    public AccessRule[] accessRules(String where, Function<String, List<String>> lists) {
        AccessRule[] rules = new AccessRule[this.byIndex.length];
        for (VerificationMode mode : this.modes) {
            rules[mode.mode().index()] = mode.accessRule(where, lists);
        }
        return rules;
    }

    @Override
    public String toString() {
        return "VerificationModes" + names();
    }
}
