package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Keycloak's role and scope claims: realm roles from {@code realm_access.roles}, client roles from
 * {@code resource_access.<client>.roles} (as {@code client:role}), scopes from {@code scope} or {@code scp}.
 */
final class KeycloakClaims {

    private KeycloakClaims() {}

    static Set<String> roles(JWTClaimsSet claims, Collection<String> clients) {
        Set<String> roles = new LinkedHashSet<>();
        addStrings(roles, "", rolesOf(claims.getClaim("realm_access")));
        if (claims.getClaim("resource_access") instanceof Map<?, ?> resourceAccess) {
            for (String client : clients) {
                addStrings(roles, client + ":", rolesOf(resourceAccess.get(client)));
            }
        }
        return roles;
    }

    static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new LinkedHashSet<>();
        Object scope = claims.getClaim("scope");
        if (scope instanceof String text) {
            for (String item : text.split(" ")) {
                if (!item.isEmpty()) {
                    scopes.add(item);
                }
            }
        }
        addStrings(scopes, "", claims.getClaim("scp"));
        return scopes;
    }

    private static Object rolesOf(Object access) {
        return (access instanceof Map<?, ?> map) ? map.get("roles") : null;
    }

    private static void addStrings(Set<String> target, String prefix, Object values) {
        if (values instanceof List<?> list) {
            for (Object value : list) {
                if (value instanceof String text && !text.isEmpty()) {
                    target.add(prefix + text);
                }
            }
        }
    }
}
