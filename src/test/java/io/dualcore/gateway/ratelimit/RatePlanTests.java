package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.github.bucket4j.Bandwidth;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Validation of configured plans, and the figures derived from them. */
class RatePlanTests {

    private static RateLimitProperties.Plan plan(
            RatePlan.FailurePolicy onRedisFailure, RateLimitProperties.Bandwidth... bandwidths) {
        return new RateLimitProperties.Plan(List.of(bandwidths), onRedisFailure, "identity");
    }

    private static RateLimitProperties.Bandwidth bandwidth(long capacity, Long refillTokens, Duration period) {
        return new RateLimitProperties.Bandwidth(capacity, refillTokens, period);
    }

    @Test
    void ofWhenBandwidthsEmptyThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> RatePlan.of("gold", plan(RatePlan.FailurePolicy.FAIL_OPEN)))
                .withMessageStartingWith("dualcore.rate-limit.plans.gold.bandwidths is empty");
    }

    @Test
    void ofWhenCapacityZeroThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> RatePlan.of(
                        "gold", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(0, null, Duration.ofSeconds(1)))))
                .withMessage("dualcore.rate-limit.plans.gold.bandwidths[0].capacity must be positive, was 0");
    }

    @Test
    void ofWhenCapacityNegativeInSecondBandwidthThenFailsNamingIndex() {
        assertThatIllegalStateException()
                .isThrownBy(() -> RatePlan.of(
                        "gold",
                        plan(
                                RatePlan.FailurePolicy.FAIL_OPEN,
                                bandwidth(10, null, Duration.ofSeconds(1)),
                                bandwidth(-5, null, Duration.ofHours(1)))))
                .withMessage("dualcore.rate-limit.plans.gold.bandwidths[1].capacity must be positive, was -5");
    }

    @Test
    void ofWhenRefillPeriodZeroThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() ->
                        RatePlan.of("gold", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(10, null, Duration.ZERO))))
                .withMessageStartingWith(
                        "dualcore.rate-limit.plans.gold.bandwidths[0].refill-period must be a positive duration")
                .withMessageEndingWith("was PT0S");
    }

    @Test
    void ofWhenRefillPeriodNegativeThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> RatePlan.of(
                        "gold", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(10, null, Duration.ofSeconds(-1)))))
                .withMessageStartingWith(
                        "dualcore.rate-limit.plans.gold.bandwidths[0].refill-period must be a positive duration")
                .withMessageEndingWith("was PT-1S");
    }

    @Test
    void ofWhenRefillPeriodMissingThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(
                        () -> RatePlan.of("gold", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(10, null, null))))
                .withMessageStartingWith(
                        "dualcore.rate-limit.plans.gold.bandwidths[0].refill-period must be a positive duration")
                .withMessageEndingWith("was null");
    }

    @Test
    void ofWhenRefillTokensZeroThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> RatePlan.of(
                        "gold", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(10, 0L, Duration.ofSeconds(1)))))
                .withMessage("dualcore.rate-limit.plans.gold.bandwidths[0].refill-tokens must be positive, was 0");
    }

    @Test
    void ofWhenRefillTokensNegativeThenFailsNamingProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> RatePlan.of(
                        "gold", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(10, -1L, Duration.ofSeconds(1)))))
                .withMessage("dualcore.rate-limit.plans.gold.bandwidths[0].refill-tokens must be positive, was -1");
    }

    private static RateLimitProperties bind(String onRedisFailure) {
        return new Binder(new MapConfigurationPropertySource(
                        Map.of("dualcore.rate-limit.plans.gold.on-redis-failure", onRedisFailure)))
                .bindOrCreate("dualcore.rate-limit", RateLimitProperties.class);
    }

    @Test
    void bindWhenOnRedisFailureUnknownThenFailsNamingProperty() {
        assertThatExceptionOfType(BindException.class)
                .isThrownBy(() -> bind("explode"))
                .satisfies(ex -> assertThat(ex.getProperty().getName().toString())
                        .isEqualTo("dualcore.rate-limit.plans.gold.on-redis-failure"));
    }

    @Test
    void ofWhenOnRedisFailureGivenInKebabOrMixedCaseThenParsed() {
        Duration second = Duration.ofSeconds(1);
        assertThat(RatePlan.of("a", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(1, null, second)))
                        .failurePolicy())
                .isEqualTo(RatePlan.FailurePolicy.FAIL_OPEN);
        assertThat(bind("Fail-Closed").plans().get("gold").onRedisFailure())
                .isEqualTo(RatePlan.FailurePolicy.FAIL_CLOSED);
        assertThat(bind("LOCAL_FALLBACK").plans().get("gold").onRedisFailure())
                .isEqualTo(RatePlan.FailurePolicy.LOCAL_FALLBACK);
        assertThat(bind("fail-open").plans().get("gold").onRedisFailure()).isEqualTo(RatePlan.FailurePolicy.FAIL_OPEN);
    }

    @Test
    void timeToFullWhenSingleBandwidthThenCapacityOverRefillRate() {
        // 100 tokens at 10 per second: 10 s from empty to full
        RatePlan plan =
                RatePlan.of("p", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(100, 10L, Duration.ofSeconds(1))));
        assertThat(plan.timeToFull()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void timeToFullWhenRefillTokensDefaultThenOnePeriod() {
        RatePlan plan =
                RatePlan.of("p", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(60, null, Duration.ofMinutes(1))));
        assertThat(plan.timeToFull()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void timeToFullWhenMultipleBandwidthsThenLongest() {
        // 20/s is full after 1 s; 1000/h after 1 h; 50 refilling 10 per minute after 5 min
        RatePlan plan = RatePlan.of(
                "p",
                plan(
                        RatePlan.FailurePolicy.FAIL_OPEN,
                        bandwidth(20, null, Duration.ofSeconds(1)),
                        bandwidth(1000, null, Duration.ofHours(1)),
                        bandwidth(50, 10L, Duration.ofMinutes(1))));
        assertThat(plan.timeToFull()).isEqualTo(Duration.ofHours(1));

        RatePlan reversed = RatePlan.of(
                "q",
                plan(
                        RatePlan.FailurePolicy.FAIL_OPEN,
                        bandwidth(1000, null, Duration.ofHours(1)),
                        bandwidth(20, null, Duration.ofSeconds(1))));
        assertThat(reversed.timeToFull()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void limitAndWindowReportFirstBandwidth() {
        RatePlan plan = RatePlan.of(
                "p",
                plan(
                        RatePlan.FailurePolicy.FAIL_OPEN,
                        bandwidth(20, 5L, Duration.ofSeconds(1)),
                        bandwidth(1000, null, Duration.ofHours(1))));
        assertThat(plan.limit()).isEqualTo(20);
        assertThat(plan.window()).isEqualTo(Duration.ofSeconds(1));
        assertThat(plan.name()).isEqualTo("p");
        assertThat(plan.configuration().getBandwidths()).hasSize(2);
    }

    @Test
    void configurationCarriesCapacityAndRefill() {
        RatePlan plan =
                RatePlan.of("p", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(100, 10L, Duration.ofSeconds(2))));
        Bandwidth bandwidth = plan.configuration().getBandwidths()[0];
        assertThat(bandwidth.getCapacity()).isEqualTo(100);
        assertThat(bandwidth.getRefillTokens()).isEqualTo(10);
        assertThat(bandwidth.getRefillPeriodNanos())
                .isEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(bandwidth.isRefillIntervally()).isFalse();
    }

    @Test
    void scaledDownDividesCapacityAndRefillAndKeepsPolicy() {
        RatePlan plan = RatePlan.of(
                "p",
                plan(
                        RatePlan.FailurePolicy.LOCAL_FALLBACK,
                        bandwidth(100, 40L, Duration.ofSeconds(1)),
                        bandwidth(1000, null, Duration.ofHours(1))));

        RatePlan share = plan.scaledDown(4);

        assertThat(share.name()).isEqualTo("p");
        assertThat(share.failurePolicy()).isEqualTo(RatePlan.FailurePolicy.LOCAL_FALLBACK);
        assertThat(share.limit()).isEqualTo(25);
        assertThat(share.window()).isEqualTo(Duration.ofSeconds(1));
        Bandwidth[] bandwidths = share.configuration().getBandwidths();
        assertThat(bandwidths).hasSize(2);
        assertThat(bandwidths[0].getCapacity()).isEqualTo(25);
        assertThat(bandwidths[0].getRefillTokens()).isEqualTo(10);
        assertThat(bandwidths[0].getRefillPeriodNanos())
                .isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(bandwidths[1].getCapacity()).isEqualTo(250);
        assertThat(bandwidths[1].getRefillTokens()).isEqualTo(250);
        assertThat(bandwidths[1].getRefillPeriodNanos())
                .isEqualTo(Duration.ofHours(1).toNanos());
        // the original plan is untouched
        assertThat(plan.limit()).isEqualTo(100);
    }

    @Test
    void scaledDownNeverBelowOneToken() {
        RatePlan plan =
                RatePlan.of("p", plan(RatePlan.FailurePolicy.FAIL_CLOSED, bandwidth(3, 2L, Duration.ofSeconds(1))));

        RatePlan share = plan.scaledDown(10);

        Bandwidth bandwidth = share.configuration().getBandwidths()[0];
        assertThat(bandwidth.getCapacity()).isEqualTo(1);
        assertThat(bandwidth.getRefillTokens()).isEqualTo(1);
        assertThat(share.failurePolicy()).isEqualTo(RatePlan.FailurePolicy.FAIL_CLOSED);
    }

    @Test
    void scaledDownByOneIsSamePlan() {
        RatePlan plan =
                RatePlan.of("p", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(3, null, Duration.ofSeconds(1))));
        assertThat(plan.scaledDown(1)).isSameAs(plan);
    }

    @Test
    void scaledDownWhenInstancesNotPositiveThenRejected() {
        RatePlan plan =
                RatePlan.of("p", plan(RatePlan.FailurePolicy.FAIL_OPEN, bandwidth(3, null, Duration.ofSeconds(1))));
        assertThatIllegalArgumentException().isThrownBy(() -> plan.scaledDown(0));
        assertThatIllegalArgumentException().isThrownBy(() -> plan.scaledDown(-2));
    }
}
