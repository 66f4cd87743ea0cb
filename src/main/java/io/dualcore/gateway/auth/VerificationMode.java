package io.dualcore.gateway.auth;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One way to verify a credential, registered once ({@link VerificationModes}) and named once ({@link #mode()}): the
 * rest of the gateway (policies, predicates, rate limits, telemetry) knows a mode only through this interface and
 * its {@link Mode}.
 */
public interface VerificationMode {

    /** This mode's name and index. */
    Mode mode();

    /**
     * The route access lists this mode owns (their property names under {@code dualcore.routes.<id>.access}), for
     * example {@code issuers} for OIDC.
     */
    List<String> accessProperties();

    /**
     * This mode's own access rule of one route, applied to identities of this mode only.
     *
     * @param where the route's access property prefix, for error messages
     * @param lists the route's access lists by property name (one of {@link #accessProperties()}), never null
     * @return the rule, or {@link AccessRule#NONE} when the route sets none of this mode's lists
     * @throws IllegalStateException naming the property and its problem
     */
    AccessRule accessRule(String where, Function<String, List<String>> lists);

    /**
     * Whether this mode's tokens can be introspected (RFC 7662) by their issuer: a route with {@code introspect:
     * true} that accepts no such mode would refuse every authenticated request.
     */
    default boolean introspectable() {
        return false;
    }

    /**
     * This mode's part of readiness (its own health component), or empty when it has no state to report. Asked at
     * each health check, so it follows what a configuration reload changed.
     */
    default Optional<ModeHealth> health() {
        return Optional.empty();
    }
}
