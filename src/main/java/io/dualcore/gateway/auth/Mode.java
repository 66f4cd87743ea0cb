package io.dualcore.gateway.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.util.Assert;

/**
 * How a request was authenticated: the name of a {@link VerificationMode} (used in configuration, headers, metrics
 * and audit) and a dense index (so that per-mode tables are arrays read by {@link #index()}, never maps).
 *
 * <p>A mode is defined once, as a constant of its own package ({@code auth.oidc}, {@code auth.edge}); the index is
 * the order of definition in this JVM. Which modes a gateway accepts is the {@link VerificationModes} registry.
 */
public final class Mode {

    /** The policy keyword for callers without an identity: never a mode's name. */
    public static final String ANONYMOUS = "anonymous";

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    private static final List<Mode> DEFINED = new ArrayList<>();

    private final String name;

    private final int index;

    private final Function<GatewayIdentity, String> rateLimitKey;

    private final boolean oneTimeTokens;

    private Mode(String name, int index, Function<GatewayIdentity, String> rateLimitKey, boolean oneTimeTokens) {
        this.name = name;
        this.index = index;
        this.rateLimitKey = rateLimitKey;
        this.oneTimeTokens = oneTimeTokens;
    }

    /**
     * Defines a mode; call once per mode, for a constant.
     *
     * @param name lower-case letters, digits and hyphens, not {@code anonymous}
     * @param rateLimitKey the caller part of a rate-limit key for an identity of this mode (after
     *     {@code name|}): what makes two identities the same caller
     * @param oneTimeTokens whether the mode's tokens are single-use (a replay guard records their {@code jti})
     * @throws IllegalArgumentException for a malformed name or one already defined
     */
    public static Mode define(String name, Function<GatewayIdentity, String> rateLimitKey, boolean oneTimeTokens) {
        Assert.isTrue(name != null && NAME.matcher(name).matches(), () -> "malformed mode name '" + name + "'");
        Assert.isTrue(!ANONYMOUS.equals(name), "'anonymous' is a policy keyword, not a mode");
        Assert.notNull(rateLimitKey, "rateLimitKey cannot be null");
        synchronized (DEFINED) {
            for (Mode mode : DEFINED) {
                Assert.isTrue(!mode.name.equals(name), () -> "mode '" + name + "' is already defined");
            }
            Mode mode = new Mode(name, DEFINED.size(), rateLimitKey, oneTimeTokens);
            DEFINED.add(mode);
            return mode;
        }
    }

    /** The lower-case name used in configuration, headers, metrics and audit. */
    public String name() {
        return this.name;
    }

    /** Dense from 0, unique per mode: an index into per-mode arrays. */
    public int index() {
        return this.index;
    }

    /** The caller part of a rate-limit key for an identity of this mode. */
    public String rateLimitKey(GatewayIdentity identity) {
        return this.rateLimitKey.apply(identity);
    }

    /** Whether the mode's tokens are single-use: a replay guard records their {@code jti}. */
    public boolean oneTimeTokens() {
        return this.oneTimeTokens;
    }

    @Override
    public String toString() {
        return this.name;
    }
}
