package io.dualcore.gateway.auth.oidc;

import java.util.Collection;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Spring Security extension points one OIDC issuer's verifier applies to a token that passed the gateway's own
 * checks. The verified claims are converted to a Spring {@link Jwt} only when at least one is present, so the
 * default path pays nothing.
 *
 * @param validator extra checks (tenant claims, ...), or {@code null}; a failure is a 401 {@code invalid_token}
 *     with the validator's description
 * @param authorities maps the token to the identity's roles instead of Keycloak's {@code realm_access} /
 *     {@code resource_access} mapping, or {@code null}; each authority's {@link GrantedAuthority#getAuthority()}
 *     becomes one role
 */
public record JwtExtensions(
        OAuth2TokenValidator<Jwt> validator, Converter<Jwt, Collection<GrantedAuthority>> authorities) {

    private static final JwtExtensions NONE = new JwtExtensions(null, null);

    /** No extensions: the default, allocation-free verification path. */
    public static JwtExtensions none() {
        return NONE;
    }

    /** Whether there is nothing to apply. */
    public boolean isEmpty() {
        return this.validator == null && this.authorities == null;
    }
}
