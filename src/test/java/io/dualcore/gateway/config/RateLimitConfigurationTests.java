package io.dualcore.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.web.ProblemResponses;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Startup validation of the rate-limit settings: a bad plan, backend or reference stops the gateway clearly. */
class RateLimitConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(
                    Properties.class, Collaborators.class, RateLimitConfiguration.class, PipelineConfiguration.class)
            .withPropertyValues(
                    "dualcore.rate-limit.plans.standard.bandwidths[0].capacity=10",
                    "dualcore.rate-limit.plans.standard.bandwidths[0].refill-period=1s",
                    "dualcore.routes.orders.access.modes=oidc,edge",
                    "dualcore.routes.orders.rate-limit.oidc=standard",
                    "dualcore.routes.orders.rate-limit.edge=standard");

    @Test
    void startWhenValidThenLocalLimiterAndFilterWithPlans() {
        this.runner
                .withPropertyValues(
                        "dualcore.rate-limit.plans.burst.bandwidths[0].capacity=20",
                        "dualcore.rate-limit.plans.burst.bandwidths[0].refill-period=1s",
                        "dualcore.rate-limit.plans.burst.bandwidths[1].capacity=1000",
                        "dualcore.rate-limit.plans.burst.bandwidths[1].refill-tokens=500",
                        "dualcore.rate-limit.plans.burst.bandwidths[1].refill-period=1h",
                        "dualcore.rate-limit.plans.burst.on-redis-failure=fail-closed",
                        "dualcore.routes.public.access.modes=anonymous",
                        "dualcore.routes.public.rate-limit.anonymous=burst")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(CompiledRoutes.class);
                    assertThat(context.getBean(RateLimiter.class)).isInstanceOf(LocalRateLimiter.class);
                    CompiledRoutes routes = context.getBean(CompiledRoutes.class);
                    assertThat(routes.get("public").limitFor(null).plan().name())
                            .isEqualTo("burst");
                    assertThat(routes.get("public").limitFor(null).keyPrefix()).isEqualTo("public|burst|");
                    @SuppressWarnings("unchecked")
                    Map<String, RatePlan> plans = context.getBean("ratePlans", Map.class);
                    assertThat(plans).containsOnlyKeys("standard", "burst");
                    assertThat(plans.get("standard").limit()).isEqualTo(10);
                    assertThat(plans.get("standard").failurePolicy()).isEqualTo(RatePlan.FailurePolicy.LOCAL_FALLBACK);
                    assertThat(plans.get("burst").configuration().getBandwidths())
                            .hasSize(2);
                    assertThat(plans.get("burst").timeToFull()).isEqualTo(Duration.ofHours(2));
                    assertThat(plans.get("burst").failurePolicy()).isEqualTo(RatePlan.FailurePolicy.FAIL_CLOSED);
                });
    }

    @Test
    void startWhenNoPlansAndNoRouteLimitsThenStarts() {
        new ApplicationContextRunner()
                .withUserConfiguration(
                        Properties.class,
                        Collaborators.class,
                        RateLimitConfiguration.class,
                        PipelineConfiguration.class)
                .withPropertyValues("dualcore.routes.orders.access.modes=oidc")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(CompiledRoutes.class);
                    assertThat(context.getBean("ratePlans", Map.class)).isEmpty();
                    assertThat(context.getBean(CompiledRoutes.class)
                                    .get("orders")
                                    .limitFor(null))
                            .isNull();
                });
    }

    @Test
    void startWhenCapacityZeroThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.plans.standard.bandwidths[0].capacity=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage(
                                "dualcore.rate-limit.plans.standard.bandwidths[0].capacity must be positive, was 0"));
    }

    @Test
    void startWhenRefillPeriodZeroThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.plans.standard.bandwidths[0].refill-period=0s")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith(
                                "dualcore.rate-limit.plans.standard.bandwidths[0].refill-period must be a positive"));
    }

    @Test
    void startWhenRefillPeriodMissingThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.plans.other.bandwidths[0].capacity=5")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith(
                                "dualcore.rate-limit.plans.other.bandwidths[0].refill-period must be a positive")
                        .hasMessageEndingWith("was null"));
    }

    @Test
    void startWhenOnRedisFailureUnknownThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.plans.standard.on-redis-failure=retry")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("No enum constant")
                        .hasMessageContaining("FailurePolicy.retry"));
    }

    @Test
    void startWhenRouteReferencesUnknownPlanThenFailsNamingRouteModeAndPlans() {
        this.runner
                .withPropertyValues("dualcore.routes.orders.rate-limit.edge=nope")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("dualcore.routes.orders.rate-limit.edge: unknown plan 'nope'; "
                                + "defined plans are [standard]"));
    }

    @Test
    void startWhenAnonymousRouteReferencesUnknownPlanThenFails() {
        this.runner
                .withPropertyValues(
                        "dualcore.routes.public.access.modes=anonymous",
                        "dualcore.routes.public.rate-limit.anonymous=Standard")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith(
                                "dualcore.routes.public.rate-limit.anonymous: unknown plan 'Standard'"));
    }

    @Test
    void startWhenBackendUnknownThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.backend=memcached")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("No enum constant")
                        .hasMessageContaining("RateLimitProperties.Backend.memcached"));
    }

    @Test
    void startWhenBackendRedisWithoutUrlThenFailsNamingRedisUrl() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.backend=redis")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("dualcore.rate-limit.backend is redis")
                        .hasMessageContaining("dualcore.redis.url"));
    }

    @Test
    void startWhenBackendRedisWithConnectionsThenBreakerFromProperties() {
        // RedisConnections opens its connections lazily: nothing here reaches the network
        this.runner
                .withUserConfiguration(Redis.class)
                .withPropertyValues(
                        "dualcore.rate-limit.backend=redis",
                        "dualcore.redis.url=redis://localhost:1",
                        "dualcore.rate-limit.instances=3",
                        "dualcore.rate-limit.circuit-breaker.failure-rate-threshold=25",
                        "dualcore.rate-limit.circuit-breaker.minimum-calls=20",
                        "dualcore.rate-limit.circuit-breaker.open-for=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimiter limiter = context.getBean(RateLimiter.class);
                    assertThat(limiter).isInstanceOf(ResilientRateLimiter.class);
                    CircuitBreakerConfig config =
                            ((ResilientRateLimiter) limiter).breaker().getCircuitBreakerConfig();
                    assertThat(config.getFailureRateThreshold()).isEqualTo(25f);
                    assertThat(config.getMinimumNumberOfCalls()).isEqualTo(20);
                    assertThat(config.getSlidingWindowSize()).isEqualTo(20);
                    assertThat(config.getWaitIntervalFunctionInOpenState().apply(1))
                            .isEqualTo(2_000L);
                    assertThat(config.isAutomaticTransitionFromOpenToHalfOpenEnabled())
                            .isFalse();
                });
    }

    @Test
    void startWhenInstancesZeroThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.instances=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("on field 'instances': rejected value [0]")
                        .hasMessageContaining("must be at least 1 (the number of gateways sharing the limits)"));
    }

    @Test
    void startWhenInstancesNegativeThenFails() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.instances=-2")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("on field 'instances': rejected value [-2]"));
    }

    @Test
    void startWhenHeaderStyleUnknownThenFailsNamingProperty() {
        this.runner
                .withPropertyValues("dualcore.rate-limit.headers=ietf")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("RateLimitHeaders.Style.ietf"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({RateLimitProperties.class, RouteProperties.class, RedisProperties.class})
    static class Properties {}

    @Configuration(proxyBeanMethods = false)
    static class Collaborators {

        @Bean
        RoutePolicies routePolicies(RouteProperties routeProperties) {
            return RoutePolicies.of(routeProperties, List.of("orders", "public"), TestModes.REGISTRY);
        }

        @Bean
        ProblemResponses authErrorResponses() {
            return new ProblemResponses("dualcore-gateway", 5);
        }

        @Bean
        IdentityHeaders identityHeaders() {
            return new IdentityHeaders("X-Auth-");
        }

        @Bean
        IdentityAssertionSigner identityAssertionSigner() {
            return new IdentityAssertionSigner(
                    new IdentityProperties.Assertion("dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24)),
                    Clock.systemUTC());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Redis {

        @Bean
        RedisConnections redisConnections(RedisProperties properties) {
            return new RedisConnections(properties);
        }
    }
}
