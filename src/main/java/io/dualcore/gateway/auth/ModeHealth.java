package io.dualcore.gateway.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A verification mode's part of readiness ({@link VerificationMode#health()}), computed at each health check from
 * the mode's live state (an OIDC issuer's JWKS, the edge key ring). A mode is never {@code DOWN}: while one mode is
 * impaired, the others still serve, so the worst it reports is {@link #degraded()}. Plain data: telemetry turns it
 * into the actuator's health component.
 */
@FunctionalInterface
public interface ModeHealth {

    /** The mode's state now. */
    Report report();

    /**
     * @param degraded some capability of the mode is impaired while the gateway still serves
     * @param details what an operator reads in the health component (names and values as the actuator shows them)
     */
    record Report(boolean degraded, Map<String, Object> details) {

        public Report {
            // in the order given: the actuator shows them so
            details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }
    }
}
