package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.HttpHeaders;

/** The rate-limit response headers of each style. */
class RateLimitHeadersTests {

    private static final RatePlan PLAN = plan("plan", 10, Duration.ofSeconds(60));

    private static RatePlan plan(String name, long capacity, Duration period) {
        return RatePlan.of(
                name,
                new RateLimitProperties.Plan(
                        List.of(
                                new RateLimitProperties.Bandwidth(capacity, null, period),
                                new RateLimitProperties.Bandwidth(1000, null, Duration.ofHours(1))),
                        RatePlan.FailurePolicy.FAIL_OPEN,
                        "identity"));
    }

    private static RateLimitDecision decision(long remaining, long resetNanos) {
        return new RateLimitDecision(true, 10, remaining, resetNanos, 0, "redis", false);
    }

    private static HttpHeaders write(String style, RatePlan plan, RateLimitDecision decision) {
        HttpHeaders headers = new HttpHeaders();
        new RateLimitHeaders(style(style)).write(plan, decision, headers);
        return headers;
    }

    /** The style as Boot binds {@code dualcore.rate-limit.headers}. */
    private static RateLimitHeaders.Style style(String value) {
        return new Binder(new MapConfigurationPropertySource(Map.of("headers", value)))
                .bind("headers", RateLimitHeaders.Style.class)
                .get();
    }

    @Test
    void writeWhenDraftThenPolicyAndRemainingWithResetRoundedUp() {
        HttpHeaders headers = write("draft", PLAN, decision(3, 1_200_000_000L));

        assertThat(headers.headerNames()).containsExactlyInAnyOrder("RateLimit-Policy", "RateLimit");
        assertThat(headers.getFirst("RateLimit-Policy")).isEqualTo("\"plan\";q=10;w=60");
        assertThat(headers.getFirst("RateLimit")).isEqualTo("\"plan\";r=3;t=2");
        assertThat(headers.get("RateLimit")).hasSize(1);
    }

    @Test
    void writeWhenDraftAndResetWholeSecondsThenNotRoundedFurther() {
        assertThat(write("draft", PLAN, decision(0, 2_000_000_000L)).getFirst("RateLimit"))
                .isEqualTo("\"plan\";r=0;t=2");
        assertThat(write("draft", PLAN, decision(9, 1L)).getFirst("RateLimit")).isEqualTo("\"plan\";r=9;t=1");
        assertThat(write("draft", PLAN, decision(10, 0L)).getFirst("RateLimit")).isEqualTo("\"plan\";r=10;t=0");
    }

    @Test
    void writeWhenDraftAndWindowUnderOneSecondThenWindowOneSecond() {
        RatePlan fast = plan("fast", 5, Duration.ofMillis(200));

        RateLimitDecision decision = new RateLimitDecision(true, 5, 4, 40_000_000L, 0, "redis", false);
        assertThat(write("draft", fast, decision).getFirst("RateLimit-Policy")).isEqualTo("\"fast\";q=5;w=1");
    }

    @Test
    void writeWhenLegacyThenLimitRemainingAndReset() {
        HttpHeaders headers = write("legacy", PLAN, decision(3, 1_200_000_000L));

        assertThat(headers.headerNames())
                .containsExactlyInAnyOrder("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
        assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("10");
        assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("3");
        assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("2");
    }

    @Test
    void writeWhenNoneThenNothing() {
        assertThat(write("none", PLAN, decision(3, 1_200_000_000L)).isEmpty()).isTrue();
    }

    @Test
    void writeWhenFailedOpenThenNothing() {
        RateLimitDecision failedOpen = RateLimitDecision.failedOpen(PLAN);
        assertThat(failedOpen.backend()).isEqualTo("none");

        assertThat(write("draft", PLAN, failedOpen).isEmpty()).isTrue();
        assertThat(write("legacy", PLAN, failedOpen).isEmpty()).isTrue();
    }

    @Test
    void writeWhenLocalFallbackDecisionThenWritten() {
        RateLimitDecision local = new RateLimitDecision(false, 5, 0, 3_000_000_000L, 500_000_000L, "local", true);

        assertThat(write("draft", PLAN, local).getFirst("RateLimit")).isEqualTo("\"plan\";r=0;t=3");
    }

    @Test
    void writeWhenHeadersAlreadyPresentThenReplaced() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("RateLimit", "\"upstream\";r=99;t=99");
        new RateLimitHeaders(RateLimitHeaders.Style.DRAFT).write(PLAN, decision(3, 1_000_000_000L), headers);

        assertThat(headers.get("RateLimit")).containsExactly("\"plan\";r=3;t=1");
    }

    @Test
    void bindWhenStyleInAnyCaseThenBound() {
        assertThat(write("Legacy", PLAN, decision(3, 0)).getFirst("RateLimit-Limit"))
                .isEqualTo("10");
        assertThat(write("DRAFT", PLAN, decision(3, 0)).getFirst("RateLimit")).isEqualTo("\"plan\";r=3;t=0");
    }

    @Test
    void writeWhenLocalFallbackShareThenBothStylesReportTheShare() {
        RateLimitDecision share = new RateLimitDecision(true, 5, 2, 1_000_000_000L, 0, "local", true);
        assertThat(write("draft", PLAN, share).getFirst("RateLimit-Policy")).isEqualTo("\"plan\";q=5;w=60");
        assertThat(write("legacy", PLAN, share).getFirst("RateLimit-Limit")).isEqualTo("5");
    }
}
