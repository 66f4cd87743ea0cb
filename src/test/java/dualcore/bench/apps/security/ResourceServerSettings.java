package dualcore.bench.apps.security;

import java.util.List;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;

/**
 * The token checks both Spring Security resource servers of the bench apply, as Spring Boot's resource-server
 * auto-configuration builds them from {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} and
 * {@code audiences}: the defaults (timestamps, issuer) plus the audience.
 */
public final class ResourceServerSettings {

    /** The trusted issuer (the bench's static OpenID metadata). */
    public static final String ISSUER_PROPERTY = "${bench.issuer-uri}";

    /** The audience a token must name, as the gateway's {@code dualcore-gateway}. */
    public static final String AUDIENCE_PROPERTY = "${bench.audience:dualcore-gateway}";

    private ResourceServerSettings() {}

    public static OAuth2TokenValidator<Jwt> validator(String issuer, String audience) {
        OAuth2TokenValidator<Jwt> audienceValidator =
                new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.contains(audience));
        return JwtValidators.createDefaultWithValidators(
                JwtValidators.createDefaultWithIssuer(issuer), audienceValidator);
    }
}
