package io.dualcore.gateway.auth;

/** How a request was authenticated. */
public enum AuthenticationMode {
    /** An access token from a trusted OpenID Connect issuer (a Keycloak realm). */
    OIDC("oidc"),
    /** An internal edge token signed with a key of the HMAC key ring. */
    EDGE("edge");

    private final String value;

    AuthenticationMode(String value) {
        this.value = value;
    }

    /** The lower-case name used in headers, metrics and configuration. */
    public String value() {
        return this.value;
    }
}
