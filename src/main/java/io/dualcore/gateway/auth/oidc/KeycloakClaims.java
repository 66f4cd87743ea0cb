package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import io.dualcore.gateway.auth.ClaimValues;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Keycloak's role and scope claims: realm roles from {@code realm_access.roles}, client roles from
 * {@code resource_access.<client>.roles} (as {@code client:role}), scopes from {@code scope} or {@code scp}.
 */
public final class KeycloakClaims {

    private KeycloakClaims() {}

    public static Set<String> roles(JWTClaimsSet claims, Collection<String> clients) {
        Set<String> roles = new LinkedHashSet<>();
        addStrings(roles, "", rolesOf(claims.getClaim("realm_access")), "realm_access.roles");
        if (claims.getClaim("resource_access") instanceof Map<?, ?> resourceAccess) {
            for (String client : clients) {
                addStrings(roles, client + ":", rolesOf(resourceAccess.get(client)), "resource_access.roles");
            }
        }
        return roles;
    }

    public static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new LinkedHashSet<>();
        Object scope = claims.getClaim("scope");
        if (scope instanceof String text) {
            for (String item : text.split(" ")) {
                if (!item.isEmpty()) {
                    scopes.add(item);
                }
            }
        }
        addStrings(scopes, "", claims.getClaim("scp"), "scp");
        return scopes;
    }

    private static Object rolesOf(Object access) {
        return (access instanceof Map<?, ?> map) ? map.get("roles") : null;
    }

    /** Adds a JSON array of strings; an array with another member, or another JSON type, is {@code invalid_claim}. */
    private static void addStrings(Set<String> target, String prefix, Object values, String claim) {
        if (values == null) {
            return;
        }
        if (!(values instanceof List<?> list)) {
            throw ClaimValues.invalid(claim, "is not an array of strings");
        }
        for (Object value : list) {
            if (!(value instanceof String text)) {
                throw ClaimValues.invalid(claim, "is not an array of strings");
            }
            // an empty member is refused when the identity is built (ClaimValues.list), never silently dropped
            target.add(text.isEmpty() ? text : prefix + text);
        }
    }
}
