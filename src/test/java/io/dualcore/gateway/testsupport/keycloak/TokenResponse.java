package io.dualcore.gateway.testsupport.keycloak;

/**
 * The interesting parts of a token endpoint answer. {@code toString} is overridden so a token never ends up in test
 * output by accident.
 *
 * @param accessToken the access token (a JWT)
 * @param idToken the ID token, or {@code null} when the {@code openid} scope was not requested
 * @param refreshToken the refresh token, or {@code null} (client credentials)
 * @param expiresInSeconds lifetime of the access token
 */
public record TokenResponse(String accessToken, String idToken, String refreshToken, long expiresInSeconds) {

    @Override
    public String toString() {
        return "TokenResponse[expiresInSeconds=" + expiresInSeconds + ", idToken=" + (idToken != null)
                + ", refreshToken=" + (refreshToken != null) + "]";
    }
}
