package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.redis.RedisProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Startup validation of introspection and per-route token checks: a setting that cannot work stops the gateway. */
class IntrospectionConfigurationTests {

    private static final String ISSUER = "dualcore.auth.oidc.issuers[0].";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, AuthenticationConfiguration.class)
            .withBean(IdentityHeaders.class, () -> new IdentityHeaders("X-Auth-"))
            .withPropertyValues(
                    ISSUER + "name=realm",
                    ISSUER + "issuer-uri=https://idp.test/realms/realm",
                    ISSUER + "audiences=gw",
                    "dualcore.routes.orders.access.modes=oidc");

    @Test
    void startWhenIssuerIntrospectsThenIntrospectorWiredWithoutCallingIt() {
        this.runner
                .withPropertyValues(
                        ISSUER + "introspection.client-id=gateway",
                        ISSUER + "introspection.client-secret=s3cret",
                        ISSUER + "introspection.opaque-tokens=true",
                        "dualcore.routes.orders.introspect=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RouteTokenChecks.class);
                    Introspections introspections = context.getBean(Introspections.class);
                    assertThat(introspections.acceptsOpaqueTokens()).isTrue();
                    assertThat(introspections.introspects("https://idp.test/realms/realm"))
                            .isTrue();
                });
    }

    @Test
    void startWhenRouteIntrospectsButNoIssuerDoesThenFailsNamingTheSetting() {
        this.runner
                .withPropertyValues("dualcore.routes.orders.introspect=true")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("introspect: true"));
    }

    @Test
    void startWhenOpaqueTokensWithoutClientThenFailsNamingTheSetting() {
        this.runner
                .withPropertyValues(ISSUER + "introspection.opaque-tokens=true")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("introspection needs a client-id and client-secret"));
    }

    @Test
    void startWhenClientWithoutSecretThenFailsNamingTheSetting() {
        this.runner
                .withPropertyValues(ISSUER + "introspection.client-id=gateway")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("introspection.client-secret"));
    }

    @Test
    void startWhenDecisionApiOnAndRouteDpopThenStartsWithTheChecksInTheEngine() {
        // the decision doors run the route's token checks as a step of the engine: no startup refusal any more
        this.runner
                .withPropertyValues("dualcore.routes.orders.dpop=required", "dualcore.decision-api.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RouteTokenChecks.class));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({AuthProperties.class, RedisProperties.class, RouteProperties.class})
    static class Properties {}
}
