package io.dualcore.gateway.auth;

import io.dualcore.gateway.web.ErrorCode;
import java.util.List;
import java.util.Set;

/** A verification mode's own access rule of one route (its accepted realms, keys or devices). */
@FunctionalInterface
public interface AccessRule {

    /** Accepts every identity. */
    AccessRule NONE = identity -> null;

    /**
     * @param identity an identity of the mode that made this rule
     * @return {@code null} when the identity may pass, else why not
     */
    Refusal check(GatewayIdentity identity);

    /**
     * A configured access list as a set.
     *
     * @param where the list's property, for the error message
     * @throws IllegalStateException for an empty entry
     */
    static Set<String> nonBlank(String where, List<String> values) {
        if (values == null) {
            return Set.of();
        }
        for (String value : values) {
            if (value == null || value.isBlank()) {
                throw new IllegalStateException(where + " contains an empty entry");
            }
        }
        return Set.copyOf(values);
    }

    /**
     * Why a mode's rule refused an identity (403).
     *
     * @param code the stable error code
     * @param description a description written by the gateway
     */
    record Refusal(ErrorCode code, String description) {}
}
