package io.dualcore.gateway.policy;

import io.dualcore.gateway.auth.AccessRule;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.web.ErrorCode;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The compiled access rules of one route. {@link #check(GatewayIdentity)} answers {@code null} when the caller may
 * pass, else the denial: 401 for a missing identity, 403 with a specific code for the wrong one.
 */
public final class AccessPolicy {

    private final String routeId;

    private final boolean anonymous;

    private final Set<Mode> modes;

    /** Whether a mode is accepted, by {@link Mode#index()}. */
    private final boolean[] accepted;

    /** Each registered mode's own rule for this route (issuers, keys, devices), by {@link Mode#index()}. */
    private final AccessRule[] modeRules;

    private final Set<String> anyRole;

    private final Set<String> allRoles;

    private final Set<String> scopes;

    private final AccessExpression expression;

    private final String expressionDescription;

    private AccessPolicy(
            String routeId,
            RouteProperties.Access access,
            Predicate<String> credentialHeader,
            VerificationModes registry) {
        this.routeId = routeId;
        String where = "dualcore.routes." + routeId + ".access";
        if (access.modes().isEmpty()) {
            throw new IllegalStateException(
                    where + ".modes is empty; list " + registry.names() + " and/or " + Mode.ANONYMOUS);
        }
        Set<Mode> modes = new LinkedHashSet<>();
        boolean anonymous = false;
        for (String mode : access.modes()) {
            if (mode != null && Mode.ANONYMOUS.equalsIgnoreCase(mode.trim())) {
                anonymous = true;
            } else {
                try {
                    modes.add(registry.parse(where + ".modes", mode));
                } catch (IllegalStateException ex) {
                    throw new IllegalStateException(ex.getMessage() + " (or " + Mode.ANONYMOUS + ")", ex);
                }
            }
        }
        this.anonymous = anonymous;
        this.modes = Collections.unmodifiableSet(modes);
        this.accepted = new boolean[registry.slots()];
        for (Mode mode : modes) {
            this.accepted[mode.index()] = true;
        }
        this.modeRules = registry.accessRules(where, access::list);
        this.anyRole = nonBlank(where + ".any-role", access.anyRole());
        this.allRoles = nonBlank(where + ".all-roles", access.allRoles());
        this.scopes = nonBlank(where + ".scopes", access.scopes());
        this.expression = (access.expression() != null)
                ? AccessExpression.compile(
                        where + ".expression",
                        access.expression(),
                        access.expressionHeaders(),
                        credentialHeader,
                        registry)
                : null;
        if (this.expression == null && !access.expressionHeaders().isEmpty()) {
            throw new IllegalStateException(where + ".expression-headers is set without " + where + ".expression");
        }
        this.expressionDescription = (access.expressionDescription() != null
                        && !access.expressionDescription().isBlank())
                ? access.expressionDescription()
                : "This route's access policy does not allow this request";
        if (anonymous && (!this.anyRole.isEmpty() || !this.allRoles.isEmpty() || !this.scopes.isEmpty())) {
            throw new IllegalStateException(where + ": a route open to anonymous callers cannot require roles or"
                    + " scopes; split it into two routes");
        }
    }

    /**
     * Compiles and validates one route's rules.
     *
     * @param registry the registered verification modes that {@code modes} names
     */
    public static AccessPolicy of(String routeId, RouteProperties.Access access, VerificationModes registry) {
        return new AccessPolicy(routeId, access, AccessPolicy::isDefaultCredentialHeader, registry);
    }

    /**
     * Compiles and validates one route's rules.
     *
     * @param credentialHeader whether a header carries credentials: the expression may not read it
     * @param registry the registered verification modes that {@code modes} names
     */
    public static AccessPolicy of(
            String routeId,
            RouteProperties.Access access,
            Predicate<String> credentialHeader,
            VerificationModes registry) {
        return new AccessPolicy(routeId, access, credentialHeader, registry);
    }

    private static boolean isDefaultCredentialHeader(String name) {
        return AccessExpression.isDefaultCredentialHeader(name);
    }

    private static Set<String> nonBlank(String where, List<String> values) {
        for (String value : values) {
            if (value == null || value.isBlank()) {
                throw new IllegalStateException(where + " contains an empty entry");
            }
        }
        return Set.copyOf(values);
    }

    public String routeId() {
        return this.routeId;
    }

    /** The accepted verification modes (without {@code anonymous}). */
    public Set<Mode> modes() {
        return this.modes;
    }

    public boolean allowsAnonymous() {
        return this.anonymous;
    }

    /**
     * The list checks, then the route's access expression if it has one.
     *
     * @return {@code null} when allowed, else the reason for the denial
     */
    public Denial check(GatewayIdentity identity, ServerHttpRequest request) {
        Denial denial = check(identity);
        if (denial != null || this.expression == null) {
            return denial;
        }
        return this.expression.allows(identity, request)
                ? null
                : new Denial(ErrorCode.POLICY_DENIED, this.expressionDescription, null);
    }

    /** The list checks only (modes, realms, keys, devices, roles, scopes). */
    public Denial check(GatewayIdentity identity) {
        if (identity == null) {
            return this.anonymous
                    ? null
                    : new Denial(ErrorCode.MISSING_TOKEN, "This route requires a Bearer token", null);
        }
        int index = identity.mode().index();
        if (index >= this.accepted.length || !this.accepted[index]) {
            return new Denial(
                    ErrorCode.MODE_NOT_ALLOWED,
                    "This route does not accept " + identity.mode().name() + " credentials",
                    null);
        }
        AccessRule.Refusal refusal = this.modeRules[index].check(identity);
        if (refusal != null) {
            return new Denial(refusal.code(), refusal.description(), null);
        }
        if (!this.anyRole.isEmpty() && !containsAny(identity.roles(), this.anyRole)) {
            return new Denial(
                    ErrorCode.INSUFFICIENT_ROLE, "This route requires one of the roles " + sorted(this.anyRole), null);
        }
        // the usual route asks for neither: no iterator over an empty set per request
        if (!this.allRoles.isEmpty() && !identity.roles().containsAll(this.allRoles)) {
            return new Denial(
                    ErrorCode.INSUFFICIENT_ROLE, "This route requires the roles " + sorted(this.allRoles), null);
        }
        if (!this.scopes.isEmpty() && !identity.scopes().containsAll(this.scopes)) {
            String required = String.join(" ", sorted(this.scopes));
            return new Denial(ErrorCode.INSUFFICIENT_SCOPE, "This route requires the scopes " + required, required);
        }
        return null;
    }

    /** A loop, not a stream: this runs per request. */
    private static boolean containsAny(Set<String> values, Set<String> wanted) {
        for (String value : wanted) {
            if (values.contains(value)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }

    @Override
    public String toString() {
        return "AccessPolicy[" + this.routeId + ": modes=" + this.modes + (this.anonymous ? "+anonymous" : "")
                + ", anyRole=" + this.anyRole + ", allRoles=" + this.allRoles + ", scopes=" + this.scopes
                + ((this.expression != null) ? ", expression=" + this.expression : "") + "]";
    }

    /**
     * Why a request was denied.
     *
     * @param code the stable error code
     * @param description a description written by the gateway
     * @param scope for {@code insufficient_scope}, the scopes to name in the challenge
     */
    public record Denial(ErrorCode code, String description, String scope) {}
}
