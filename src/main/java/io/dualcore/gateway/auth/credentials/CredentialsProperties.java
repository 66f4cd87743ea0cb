package io.dualcore.gateway.auth.credentials;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Credentials beside the bearer token: what the gateway removes before a request reaches an upstream, because it did
 * not verify it. A route forwards a named header or cookie with {@code dualcore.routes.<id>.forward-credentials}.
 *
 * @param stripHeaders request headers that carry credentials in common stacks, removed however spelled (case,
 *     {@code _} for {@code -}); an entry ending in {@code *} is a prefix. Setting the list replaces the defaults
 *     ({@link #DEFAULT_STRIP_HEADERS})
 * @param stripCookies cookies that carry tokens or sessions (Keycloak's, OAuth proxies', common token names),
 *     removed from the upstream {@code Cookie} header however spelled (case, {@code -} {@code .} or space for
 *     {@code _}, a {@code __Host-} or {@code __Secure-} prefix, percent-encoding); {@code *} suffix is a prefix.
 *     Setting the list replaces the defaults ({@link #DEFAULT_STRIP_COOKIES})
 * @param stripJwtHeaders also remove every other header whose value carries a compact JWS or JWE
 * @param stripJwtCookies also remove every other cookie whose value carries a compact JWS or JWE
 * @param maxFormSize the largest {@code application/x-www-form-urlencoded} body read to look for an
 *     {@code access_token} parameter; a larger form body is refused (413 {@code form_too_large})
 */
@ConfigurationProperties("dualcore.credentials")
public record CredentialsProperties(
        List<String> stripHeaders,
        List<String> stripCookies,
        @DefaultValue("true") boolean stripJwtHeaders,
        @DefaultValue("true") boolean stripJwtCookies,
        @DefaultValue("64KB") DataSize maxFormSize) {

    /** Header names of real stacks (RFC 9110, RFC 9440, OAuth proxies, cloud load balancers and auth layers). */
    public static final List<String> DEFAULT_STRIP_HEADERS = List.of(
            "Proxy-Authorization",
            "DPoP",
            "X-Access-Token",
            "X-Id-Token",
            "X-Refresh-Token",
            "X-Edge-Token",
            "X-Api-Key",
            "Api-Key",
            "Apikey",
            "X-Auth-Token",
            "X-Userinfo",
            "X-Forwarded-Access-Token",
            "X-Auth-Request-Access-Token",
            "X-Amzn-Oidc-Accesstoken",
            "X-Amzn-Oidc-Data",
            "X-Amzn-Oidc-Identity",
            "X-Amz-Security-Token",
            "X-Goog-Iap-Jwt-Assertion",
            "X-Serverless-Authorization",
            "X-Ms-Token-*",
            "X-Ms-Client-Principal*",
            "X-Jwt-Assertion",
            "Cf-Access-Jwt-Assertion",
            "Cf-Access-Client-Id",
            "Cf-Access-Client-Secret",
            "X-Pomerium-Jwt-Assertion",
            "Client-Cert",
            "Client-Cert-Chain",
            "X-Forwarded-Client-Cert",
            "X-Client-Cert",
            "X-Ssl-Client-Cert");

    /** Token and session cookies: common token names, Keycloak's (26.x and legacy), OAuth proxies' and clouds'. */
    public static final List<String> DEFAULT_STRIP_COOKIES = List.of(
            "access_token",
            "id_token",
            "refresh_token",
            "KEYCLOAK_IDENTITY",
            "KEYCLOAK_IDENTITY_LEGACY",
            "KEYCLOAK_SESSION",
            "KEYCLOAK_SESSION_LEGACY",
            "AUTH_SESSION_ID",
            "AUTH_SESSION_ID_LEGACY",
            "KC_RESTART",
            "CF_Authorization",
            "_oauth2_proxy*",
            "_pomerium*",
            "AWSELBAuthSessionCookie*",
            "GCP_IAP_AUTH_TOKEN*",
            "AppServiceAuthSession*");

    public CredentialsProperties {
        stripHeaders = (stripHeaders != null) ? List.copyOf(stripHeaders) : DEFAULT_STRIP_HEADERS;
        stripCookies = (stripCookies != null) ? List.copyOf(stripCookies) : DEFAULT_STRIP_COOKIES;
        maxFormSize = (maxFormSize != null) ? maxFormSize : DataSize.ofKilobytes(64);
    }

    /** The defaults, as a deployment without {@code dualcore.credentials} gets them (tests, the command line). */
    public static CredentialsProperties defaults() {
        return new CredentialsProperties(null, null, true, true, null);
    }
}
