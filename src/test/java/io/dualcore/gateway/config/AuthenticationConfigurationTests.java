package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.oidc.IssuerJwtValidator;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.support.redis.RedisProperties;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2Token;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;

/** Startup validation of the authentication settings: a bad key or issuer stops the gateway with a clear message. */
@ExtendWith(OutputCaptureExtension.class)
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
    void startWhenPublishedDemoKeyOutsideDemoProfileThenOneWarningWithoutTheSecret(CapturedOutput output) {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=edge-demo-1",
                        "dualcore.auth.edge.keys[0].secret=" + TestTokens.DEMO_EDGE_KEY_BASE64)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    String log = output.getAll();
                    assertThat(log.split("published demo key", -1))
                            .as("one warning")
                            .hasSize(2);
                    assertThat(log).contains("EDGE_HMAC_DEMO_KEY").doesNotContain(TestTokens.DEMO_EDGE_KEY_BASE64);
                });
    }

    @Test
    void startWhenPublishedDemoKeyInDemoProfileThenNoWarning(CapturedOutput output) {
        this.runner
                .withInitializer(context -> context.getEnvironment().setActiveProfiles("demo"))
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=edge-demo-1",
                        "dualcore.auth.edge.keys[0].secret=" + TestTokens.DEMO_EDGE_KEY_BASE64)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(output.getAll()).doesNotContain("published demo key");
                });
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
                        .hasMessageContaining("oidc.issuers[0].audiences")
                        .hasMessageContaining("is empty; list the aud values this gateway accepts"));
    }

    @Test
    void startWhenUserInfoTimeoutZeroThenFailureNamesThePropertyAndTheFix() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.timeout=0s")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("oidc.issuers[0].userinfo.timeout")
                        .hasMessageContaining("must be positive (e.g. 2s)"));
    }

    @Test
    void startWhenCircuitBreakerThresholdAbove100ThenFailureNamesTheProperty() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.circuit-breaker.failure-rate-threshold=150")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("oidc.issuers[0].userinfo.circuitBreaker.failureRateThreshold")
                        .hasMessageContaining("a percentage above 0 and at most 100"));
    }

    @Test
    void startWhenIssuerWithoutNameThenFailureNamesTheProperty() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("oidc.issuers[0].name")
                        .hasMessageContaining("is required"));
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
    void startWhenUserInfoConfiguredThenIssuerEnrichesWithItsPolicy() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.enabled=true",
                        "dualcore.auth.oidc.issuers[0].userinfo.claims=email,preferred_username",
                        "dualcore.auth.oidc.issuers[0].userinfo.failure-policy=continue",
                        "dualcore.auth.oidc.issuers[1].name=other",
                        "dualcore.auth.oidc.issuers[1].issuer-uri=https://idp.test/realms/other",
                        "dualcore.auth.oidc.issuers[1].audiences=gw")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    List<OidcTokenVerifier> verifiers = verifiers(context);
                    assertThat(verifiers.get(0).userInfo()).isNotNull();
                    assertThat(verifiers.get(0).userInfo().failurePolicy())
                            .isEqualTo(AuthProperties.UserInfo.FailurePolicy.CONTINUE);
                    assertThat(verifiers.get(0).settings().userinfo().timeout()).hasSeconds(2);
                    assertThat(verifiers.get(1).userInfo()).isNull();
                });
    }

    @Test
    void startWhenUserInfoPolicyNotSetThenDeny() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.enabled=true",
                        "dualcore.auth.oidc.issuers[0].userinfo.claims=email")
                .run(context -> assertThat(verifiers(context).get(0).userInfo().failurePolicy())
                        .isEqualTo(AuthProperties.UserInfo.FailurePolicy.DENY));
    }

    @Test
    void startWhenUserInfoClaimIsTokenClaimThenFailsNamingProperty() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.enabled=true",
                        "dualcore.auth.oidc.issuers[0].userinfo.claims=email,sub")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("dualcore.auth.oidc.issuers[0].userinfo.claims")
                        .hasMessageContaining("'sub'"));
    }

    @Test
    void startWhenUserInfoBreakerSettingsUnusableThenFailsNamingEachProperty() {
        // as Boot's binder reports the field (and its failure analyzer prints the property)
        Map<String, String> unusable = Map.of(
                "circuit-breaker.failure-rate-threshold", "circuitBreaker.failureRateThreshold",
                "circuit-breaker.minimum-calls", "circuitBreaker.minimumCalls",
                "circuit-breaker.open-for", "circuitBreaker.openFor",
                "failure-log-interval", "failureLogInterval");
        Map<String, String> values = Map.of(
                "circuit-breaker.failure-rate-threshold", "0",
                "circuit-breaker.minimum-calls", "0",
                "circuit-breaker.open-for", "0s",
                "failure-log-interval", "-1s");
        unusable.forEach((property, field) -> this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.enabled=true",
                        "dualcore.auth.oidc.issuers[0].userinfo.claims=email",
                        "dualcore.auth.oidc.issuers[0].userinfo." + property + "=" + values.get(property))
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("oidc.issuers[0].userinfo." + field + "'")));
    }

    @Test
    void startWhenUserInfoClaimsCollideOnOneHeaderThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.enabled=true",
                        "dualcore.auth.oidc.issuers[0].userinfo.claims=given_name,given.name")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("would share one identity header"));
    }

    @Test
    void startWhenUserInfoEnabledWithoutClaimsThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.auth.edge.keys[0].kid=k1",
                        "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                        "dualcore.auth.oidc.issuers[0].name=realm",
                        "dualcore.auth.oidc.issuers[0].issuer-uri=https://idp.test/realms/realm",
                        "dualcore.auth.oidc.issuers[0].audiences=gw",
                        "dualcore.auth.oidc.issuers[0].userinfo.enabled=true",
                        "dualcore.auth.oidc.issuers[0].userinfo.uri=not a url")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("userinfo.claims (realm): is empty"));
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

    @Test
    void startWhenNoExtensionBeansThenVerifiersPayNothing() {
        this.oidcRunner()
                .withUserConfiguration(UnrelatedConverterAndValidator.class)
                .run(context -> assertThat(verifiers(context))
                        .allSatisfy(verifier ->
                                assertThat(verifier.extensions().isEmpty()).isTrue()));
    }

    @Test
    void startWhenGlobalAndIssuerValidatorsThenEachIssuerGetsGlobalPlusItsOwn() {
        this.oidcRunner().withUserConfiguration(Validators.class).run(context -> {
            List<OidcTokenVerifier> verifiers = verifiers(context);
            Jwt tenantB = jwt("tenant", "b");
            // realm-a: global (tenant != suspended) and its own (tenant == a)
            assertThat(verifiers
                            .get(0)
                            .extensions()
                            .validator()
                            .validate(tenantB)
                            .hasErrors())
                    .isTrue();
            assertThat(verifiers
                            .get(0)
                            .extensions()
                            .validator()
                            .validate(jwt("tenant", "a"))
                            .hasErrors())
                    .isFalse();
            // realm-b: the global one only
            assertThat(verifiers
                            .get(1)
                            .extensions()
                            .validator()
                            .validate(tenantB)
                            .hasErrors())
                    .isFalse();
            assertThat(verifiers
                            .get(1)
                            .extensions()
                            .validator()
                            .validate(jwt("tenant", "suspended"))
                            .hasErrors())
                    .isTrue();
            assertThat(verifiers.get(1).extensions().authorities()).isNull();
        });
    }

    @Test
    void startWhenIssuerValidatorNamesUnknownIssuerThenFailsNamingTheConfiguredOnes() {
        this.oidcRunner()
                .withBean(
                        "typo",
                        IssuerJwtValidator.class,
                        () -> new IssuerJwtValidator("realm-c", jwt -> OAuth2TokenValidatorResult.success()))
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("'realm-c'")
                        .hasMessageContaining("[realm-a, realm-b]"));
    }

    @Test
    void startWhenAuthoritiesConverterThenEveryIssuerUsesIt() {
        this.oidcRunner()
                .withUserConfiguration(OneAuthoritiesConverter.class)
                .run(context -> assertThat(verifiers(context))
                        .allSatisfy(verifier ->
                                assertThat(verifier.extensions().authorities()).isNotNull()));
    }

    @Test
    void startWhenTwoAuthoritiesConvertersThenFails() {
        this.oidcRunner()
                .withUserConfiguration(OneAuthoritiesConverter.class, AnotherAuthoritiesConverter.class)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("Converter<Jwt, Collection<GrantedAuthority>>"));
    }

    /** Two OIDC issuers on a closed local port (nothing is fetched from anywhere else). */
    private ApplicationContextRunner oidcRunner() {
        return this.runner.withPropertyValues(
                "dualcore.auth.edge.keys[0].kid=k1",
                "dualcore.auth.edge.keys[0].secret=" + KEY_32,
                "dualcore.auth.oidc.issuers[0].name=realm-a",
                "dualcore.auth.oidc.issuers[0].issuer-uri=http://127.0.0.1:9/realms/a",
                "dualcore.auth.oidc.issuers[0].audiences=gw",
                "dualcore.auth.oidc.issuers[1].name=realm-b",
                "dualcore.auth.oidc.issuers[1].issuer-uri=http://127.0.0.1:9/realms/b",
                "dualcore.auth.oidc.issuers[1].audiences=gw");
    }

    @SuppressWarnings("unchecked")
    private static List<OidcTokenVerifier> verifiers(ApplicationContext context) {
        return (List<OidcTokenVerifier>) context.getBean("oidcTokenVerifiers", List.class);
    }

    private static Jwt jwt(String claim, String value) {
        return Jwt.withTokenValue("t")
                .header("alg", "RS256")
                .claim(claim, value)
                .build();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AuthProperties.class, RedisProperties.class})
    static class Properties {}

    /** Beans that look alike but are not extension points: generics keep them out. */
    @Configuration(proxyBeanMethods = false)
    static class UnrelatedConverterAndValidator {

        @Bean
        Converter<String, Integer> length() {
            return String::length;
        }

        @Bean
        OAuth2TokenValidator<OAuth2Token> anyToken() {
            return token -> OAuth2TokenValidatorResult.failure(new OAuth2Error("no"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Validators {

        @Bean
        OAuth2TokenValidator<Jwt> notSuspended() {
            return new JwtClaimValidator<String>("tenant", tenant -> !"suspended".equals(tenant));
        }

        @Bean
        IssuerJwtValidator realmAOnlyTenantA() {
            return new IssuerJwtValidator("realm-a", new JwtClaimValidator<String>("tenant", "a"::equals));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OneAuthoritiesConverter {

        @Bean
        Converter<Jwt, Collection<GrantedAuthority>> scopes() {
            return new JwtGrantedAuthoritiesConverter();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class AnotherAuthoritiesConverter {

        @Bean
        JwtGrantedAuthoritiesConverter roles() {
            return new JwtGrantedAuthoritiesConverter();
        }
    }
}
