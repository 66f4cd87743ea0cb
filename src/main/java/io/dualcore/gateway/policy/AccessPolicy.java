package io.dualcore.gateway.policy;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.web.ErrorCode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The compiled access rules of one route. {@link #check(GatewayIdentity)} answers {@code null} when the caller may
 * pass, else the denial: 401 for a missing identity, 403 with a specific code for the wrong one.
 */
public final class AccessPolicy {

    private final String routeId;

    private final boolean anonymous;

    private final Set<AuthenticationMode> modes;

    private final Set<String> anyRole;

    private final Set<String> allRoles;

    private final Set<String> scopes;

    private final Set<String> issuers;

    private final Set<String> edgeKeyIds;

    private final List<Pattern> devicePatterns;

    private final AccessExpression expression;

    private final String expressionDescription;

    private AccessPolicy(String routeId, RouteProperties.Access access, Predicate<String> credentialHeader) {
        this.routeId = routeId;
        String where = "dualcore.routes." + routeId + ".access";
        if (access.modes().isEmpty()) {
            throw new IllegalStateException(where + ".modes is empty; list oidc, edge and/or anonymous");
        }
        EnumSet<AuthenticationMode> modes = EnumSet.noneOf(AuthenticationMode.class);
        boolean anonymous = false;
        for (String mode : access.modes()) {
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "oidc" -> modes.add(AuthenticationMode.OIDC);
                case "edge" -> modes.add(AuthenticationMode.EDGE);
                case "anonymous" -> anonymous = true;
                default ->
                    throw new IllegalStateException(
                            where + ".modes: unknown mode '" + mode + "'; use oidc, edge or anonymous");
            }
        }
        this.anonymous = anonymous;
        this.modes = Set.copyOf(modes);
        this.anyRole = nonBlank(where + ".any-role", access.anyRole());
        this.allRoles = nonBlank(where + ".all-roles", access.allRoles());
        this.scopes = nonBlank(where + ".scopes", access.scopes());
        this.issuers = nonBlank(where + ".issuers", access.issuers());
        this.edgeKeyIds = nonBlank(where + ".edge-key-ids", access.edgeKeyIds());
        List<Pattern> patterns = new ArrayList<>();
        for (String glob : nonBlank(where + ".device-ids", access.deviceIds())) {
            patterns.add(globToPattern(glob));
        }
        this.devicePatterns = List.copyOf(patterns);
        this.expression = (access.expression() != null)
                ? AccessExpression.compile(
                        where + ".expression", access.expression(), access.expressionHeaders(), credentialHeader)
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

    /** Compiles and validates one route's rules. */
    public static AccessPolicy of(String routeId, RouteProperties.Access access) {
        return new AccessPolicy(routeId, access, AccessPolicy::isDefaultCredentialHeader);
    }

    /**
     * Compiles and validates one route's rules.
     *
     * @param credentialHeader whether a header carries credentials: the expression may not read it
     */
    public static AccessPolicy of(String routeId, RouteProperties.Access access, Predicate<String> credentialHeader) {
        return new AccessPolicy(routeId, access, credentialHeader);
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

    public String routeId() {
        return this.routeId;
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
        if (!this.modes.contains(identity.mode())) {
            return new Denial(
                    ErrorCode.MODE_NOT_ALLOWED,
                    "This route does not accept " + identity.mode().value() + " credentials",
                    null);
        }
        if (identity.mode() == AuthenticationMode.OIDC
                && !this.issuers.isEmpty()
                && !this.issuers.contains(identity.realm())
                && !this.issuers.contains(identity.issuer())) {
            return new Denial(ErrorCode.ISSUER_NOT_ALLOWED, "This route does not accept tokens of this realm", null);
        }
        if (identity.mode() == AuthenticationMode.EDGE) {
            if (!this.edgeKeyIds.isEmpty() && !this.edgeKeyIds.contains(identity.keyId())) {
                return new Denial(ErrorCode.KEY_NOT_ALLOWED, "This route does not accept this edge key", null);
            }
            if (!this.devicePatterns.isEmpty() && !matchesDevice(identity.deviceId())) {
                return new Denial(ErrorCode.DEVICE_NOT_ALLOWED, "This route does not accept this device", null);
            }
        }
        if (!this.anyRole.isEmpty() && this.anyRole.stream().noneMatch(identity.roles()::contains)) {
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

    private boolean matchesDevice(String deviceId) {
        if (deviceId == null) {
            return false;
        }
        for (Pattern pattern : this.devicePatterns) {
            if (pattern.matcher(deviceId).matches()) {
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
