package io.dualcore.gateway.auth;

import io.dualcore.gateway.auth.dpop.DpopMode;
import java.util.List;

/**
 * Issuer settings for tests, built on the canonical {@link AuthProperties.Issuer} constructor: name what a test
 * cares about, the rest keeps the binding defaults ({@code RS256}, typ {@code Bearer}, no UserInfo, DPoP off, no
 * introspection).
 */
public final class TestIssuers {

    private TestIssuers() {}

    /** An issuer named {@code name} whose tokens carry {@code iss = issuerUri}. */
    public static Builder issuer(String name, String issuerUri) {
        return new Builder(name, issuerUri);
    }

    public static final class Builder {

        private final String name;

        private final String issuerUri;

        private String jwksUri;

        private String metadataUri;

        private List<String> audiences = List.of();

        private List<String> algorithms = List.of("RS256");

        private List<String> authorizedParties = List.of();

        private List<String> roleClients;

        private String tokenType = "Bearer";

        private AuthProperties.Jwks jwks;

        private AuthProperties.UserInfo userinfo = AuthProperties.UserInfo.DISABLED;

        private DpopMode dpop = DpopMode.OFF;

        private Builder(String name, String issuerUri) {
            this.name = name;
            this.issuerUri = issuerUri;
        }

        public Builder metadataUri(String metadataUri) {
            this.metadataUri = metadataUri;
            return this;
        }

        public Builder jwksUri(String jwksUri) {
            this.jwksUri = jwksUri;
            return this;
        }

        public Builder audiences(List<String> audiences) {
            this.audiences = audiences;
            return this;
        }

        public Builder algorithms(List<String> algorithms) {
            this.algorithms = algorithms;
            return this;
        }

        public Builder authorizedParties(List<String> authorizedParties) {
            this.authorizedParties = authorizedParties;
            return this;
        }

        public Builder roleClients(List<String> roleClients) {
            this.roleClients = roleClients;
            return this;
        }

        public Builder tokenType(String tokenType) {
            this.tokenType = tokenType;
            return this;
        }

        public Builder jwks(AuthProperties.Jwks jwks) {
            this.jwks = jwks;
            return this;
        }

        public Builder userinfo(AuthProperties.UserInfo userinfo) {
            this.userinfo = userinfo;
            return this;
        }

        public Builder dpop(DpopMode dpop) {
            this.dpop = dpop;
            return this;
        }

        public AuthProperties.Issuer build() {
            return new AuthProperties.Issuer(
                    this.name,
                    this.issuerUri,
                    this.jwksUri,
                    this.metadataUri,
                    this.audiences,
                    this.algorithms,
                    this.authorizedParties,
                    this.roleClients,
                    this.tokenType,
                    this.jwks,
                    this.userinfo,
                    this.dpop,
                    AuthProperties.Introspection.DISABLED);
        }
    }
}
