package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.support.redis.RedisProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Startup validation of the authentication settings: a bad key or issuer stops the gateway with a clear message. */
class AuthenticationConfigurationTests {

    private static final String KEY_32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private static final String KEY_12 = "MDEyMzQ1Njc4OWFi";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, AuthenticationConfiguration.class)
            .withBean(IdentityHeaders.class, () -> new IdentityHeaders("X-Auth-"))
            .withPropertyValues("dualcore.auth.edge.issuer=dualcore-edge", "dualcore.auth.edge.audiences=gw");

    @Test
    void startWhenEdgeKeyValidThenAuthenticatorAvailable() {
        this.runner
                .withPropertyValues("dualcore.auth.edge.keys[0].kid=k1", "dualcore.auth.edge.keys[0].secret=" + KEY_32)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(TokenAuthenticator.class));
    }

    @Test
    void startWhenEdgeSecretShorterThanHashThenFailsNamingKidAndRfc() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=short-key", "dualcore.auth.edge.keys[0].secret=" + KEY_12)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("kid=short-key")
                        .hasMessageContaining("12 bytes")
                        .hasMessageContaining("RFC 7518")
                        .hasMessageNotContaining(KEY_12));
    }

    @Test
    void startWhenEdgeKidDuplicatedThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=twin",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.edge.keys[1].kid=twin",
                        "dualcore.auth.edge.keys[1].secret=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("kid=twin")
                        .hasMessageContaining("configured twice"));
    }

    @Test
    void startWhenEdgeSecretNotBase64ThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1", "dualcore.auth.edge.keys[0].secret=not*base64!")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("kid=k1")
                        .hasMessageContaining("not valid base64"));
    }

    @Test
    void startWhenEdgeIssuerWithoutKeysThenFails() {
        this.runner.run(context -> assertThat(context)
                .hasFailed()
                .getFailure()
                .rootCause()
                .hasMessageContaining("dualcore.auth.edge.keys is empty"));
    }

    @Test
    void startWhenOidcIssuerWithoutAudiencesThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("audiences is empty"));
    }

    @Test
    void startWhenOidcIssuerAllowsHmacThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].algorithms=RS256,HS256")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("HS256 is not an asymmetric JWS algorithm"));
    }

    @Test
    void startWhenEdgeIssuerEqualsOidcIssuerThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.issuer=https://idp.test/realms/realm",
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("configured twice"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AuthProperties.class, RedisProperties.class})
    static class Properties {}
}
