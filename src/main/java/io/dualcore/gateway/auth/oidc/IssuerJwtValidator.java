package io.dualcore.gateway.auth.oidc;

import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.util.Assert;

/**
 * Registers an {@link OAuth2TokenValidator} for one trusted OIDC issuer only. Declare it as a bean; a plain
 * {@code OAuth2TokenValidator<Jwt>} bean applies to every OIDC issuer instead.
 *
 * <pre>{@code
 * @Bean
 * IssuerJwtValidator partnersTenant() {
 *     return new IssuerJwtValidator("partners", new JwtClaimValidator<String>("tenant", "acme"::equals));
 * }
 * }</pre>
 *
 * @param issuer the issuer's configured {@code dualcore.auth.oidc.issuers[].name} (e.g. the Keycloak realm)
 * @param validator runs after the gateway's own checks, on every verification (not on cache hits)
 */
public record IssuerJwtValidator(String issuer, OAuth2TokenValidator<Jwt> validator) {

    public IssuerJwtValidator {
        Assert.hasText(issuer, "issuer cannot be empty");
        Assert.notNull(validator, "validator cannot be null");
    }
}
