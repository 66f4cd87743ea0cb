package io.dualcore.gateway.testsupport.keycloak;

/**
 * A confidential client that can obtain tokens with the client credentials grant.
 *
 * @param realm the realm the client lives in
 * @param clientId the client id
 * @param clientSecret the client secret (test data only)
 */
public record ServiceClient(String realm, String clientId, String clientSecret) {

    @Override
    public String toString() {
        return "ServiceClient[realm=" + realm + ", clientId=" + clientId + "]";
    }
}
