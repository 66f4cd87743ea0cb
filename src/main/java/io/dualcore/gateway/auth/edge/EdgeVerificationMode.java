package io.dualcore.gateway.auth.edge;

import io.dualcore.gateway.auth.AccessRule;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.ModeHealth;
import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.web.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Internal edge tokens signed with a key of the HMAC key ring ({@link EdgeTokenVerifier}). Its callers are counted
 * per device; a route may narrow it to some key ids and device-id patterns.
 */
public final class EdgeVerificationMode implements VerificationMode {

    /** The only place this mode's name is spelled. */
    public static final Mode MODE = Mode.define("edge", identity -> identity.realm() + "|" + identity.deviceId(), true);

    static final String EDGE_KEY_IDS = "edge-key-ids";

    static final String DEVICE_IDS = "device-ids";

    private final ModeHealth health;

    /** The mode without health (the CLI, tests). */
    public EdgeVerificationMode() {
        this.health = null;
    }

    /**
     * @param ring the key ring in force, or a supplier of {@code null} when edge authentication is off
     * @param demoProfile whether the {@code demo} profile is active (the published demo key is expected there)
     */
    public EdgeVerificationMode(Supplier<ReloadableEdgeKeyRing> ring, boolean demoProfile) {
        this.health = new EdgeKeysHealth(ring, demoProfile);
    }

    @Override
    public Mode mode() {
        return MODE;
    }

    @Override
    public List<String> accessProperties() {
        return List.of(EDGE_KEY_IDS, DEVICE_IDS);
    }

    @Override
    public AccessRule accessRule(String where, Function<String, List<String>> lists) {
        Set<String> keyIds = AccessRule.nonBlank(where + "." + EDGE_KEY_IDS, lists.apply(EDGE_KEY_IDS));
        List<Pattern> devices = new ArrayList<>();
        for (String glob : AccessRule.nonBlank(where + "." + DEVICE_IDS, lists.apply(DEVICE_IDS))) {
            devices.add(globToPattern(glob));
        }
        if (keyIds.isEmpty() && devices.isEmpty()) {
            return AccessRule.NONE;
        }
        AccessRule.Refusal wrongKey =
                new AccessRule.Refusal(ErrorCode.KEY_NOT_ALLOWED, "This route does not accept this edge key");
        AccessRule.Refusal wrongDevice =
                new AccessRule.Refusal(ErrorCode.DEVICE_NOT_ALLOWED, "This route does not accept this device");
        List<Pattern> patterns = List.copyOf(devices);
        return identity -> {
            if (!keyIds.isEmpty() && !keyIds.contains(identity.keyId())) {
                return wrongKey;
            }
            if (!patterns.isEmpty() && !matches(patterns, identity.deviceId())) {
                return wrongDevice;
            }
            return null;
        };
    }

    private static boolean matches(List<Pattern> patterns, String deviceId) {
        if (deviceId == null) {
            return false;
        }
        for (Pattern pattern : patterns) {
            if (pattern.matcher(deviceId).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern globToPattern(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    /** The key ring's version, kids and last reload ({@link EdgeKeysHealth}). */
    @Override
    public Optional<ModeHealth> health() {
        return Optional.ofNullable(this.health);
    }

    @Override
    public String toString() {
        return MODE.name();
    }
}
