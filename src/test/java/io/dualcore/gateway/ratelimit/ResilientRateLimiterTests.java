package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The breaker and failure policies around a shared backend that fails, hangs or answers: each plan's policy
 * applies while it is out, the breaker stops calling it, and a successful probe brings limits back to it.
 */
class ResilientRateLimiterTests {

    private static final Duration TIMEOUT = Duration.ofMillis(50);

    private static final Duration OPEN_FOR = Duration.ofMillis(100);

    /** How long a reactive assertion may wait before it counts as a hang (a loaded CI machine stalls for seconds). */
    private static final Duration HANG = Duration.ofSeconds(30);

    /** The breakers' clock: the open state ends when the test says so, not when a stalled machine lets it. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private static final Supplier<Mono<RateLimitDecision>> FAILING =
            () -> Mono.error(new IllegalStateException("redis is down"));

    private static final Supplier<Mono<RateLimitDecision>> HANGING = Mono::never;

    private static final Supplier<Mono<RateLimitDecision>> ANSWERING = () -> Mono.just(redisDecision());

    /** What the shared backend does when subscribed to. */
    private final AtomicReference<Supplier<Mono<RateLimitDecision>>> behaviour = new AtomicReference<>(FAILING);

    /** How many times the shared backend was actually asked (subscribed to). */
    private final AtomicInteger calls = new AtomicInteger();

    private final RateLimiter shared = (key, plan) -> Mono.defer(() -> {
        this.calls.incrementAndGet();
        return this.behaviour.get().get();
    });

    private static RateLimitDecision redisDecision() {
        return new RateLimitDecision(true, 10, 7, 1_000_000, 0, "redis", false);
    }

    private static RatePlan plan(RatePlan.FailurePolicy onRedisFailure, long capacity) {
        return RatePlan.of(
                "p-" + onRedisFailure,
                new RateLimitProperties.Plan(
                        List.of(new RateLimitProperties.Bandwidth(capacity, null, Duration.ofMinutes(1))),
                        onRedisFailure,
                        "identity"));
    }

    /** Stays open far longer than any test, so slow assertions cannot let a probe through. */
    private CircuitBreaker breaker() {
        return breaker(Duration.ofMinutes(1));
    }

    /** Opens after 4 calls with at least half failed; half-open on the first call after {@code openFor}. */
    private CircuitBreaker breaker(Duration openFor) {
        return CircuitBreaker.of(
                "test",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(4)
                        .minimumNumberOfCalls(4)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(openFor)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .clock(this.clock)
                        .build());
    }

    private ResilientRateLimiter limiter(CircuitBreaker breaker, int instances) {
        return new ResilientRateLimiter(this.shared, new LocalRateLimiter(1_000), breaker, TIMEOUT, instances);
    }

    private static RateLimitDecision decide(ResilientRateLimiter limiter, String key, RatePlan plan) {
        return limiter.consume(key, plan).block(HANG);
    }

    @Test
    void consumeWhenBackendAnswersThenItsDecision() {
        this.behaviour.set(ANSWERING);
        ResilientRateLimiter limiter = limiter(breaker(), 2);

        RateLimitDecision decision = decide(limiter, "k", plan(RatePlan.FailurePolicy.FAIL_CLOSED, 10));

        assertThat(decision).isEqualTo(redisDecision());
        assertThat(this.calls).hasValue(1);
        assertThat(limiter.degraded()).isFalse();
    }

    @Test
    void consumeWhenBackendFailsAndPlanFailsOpenThenAllowedWithoutBackend() {
        ResilientRateLimiter limiter = limiter(breaker(), 2);
        RatePlan plan = plan(RatePlan.FailurePolicy.FAIL_OPEN, 3);

        for (int i = 0; i < 10; i++) {
            RateLimitDecision decision = decide(limiter, "k", plan);
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.backend()).isEqualTo("none");
            assertThat(decision.fallback()).isTrue();
            assertThat(decision.limit()).isEqualTo(3);
        }
    }

    @Test
    void consumeWhenBackendFailsAndPlanFailsClosedThenUnavailable() {
        ResilientRateLimiter limiter = limiter(breaker(), 2);

        StepVerifier.create(limiter.consume("k", plan(RatePlan.FailurePolicy.FAIL_CLOSED, 10)))
                .expectError(RateLimitUnavailableException.class)
                .verify(HANG);
        assertThat(this.calls).hasValue(1);
    }

    @Test
    void consumeWhenBackendFailsAndPlanFallsBackThenLimitedLocallyToShare() {
        ResilientRateLimiter limiter = limiter(breaker(), 2);
        RatePlan plan = plan(RatePlan.FailurePolicy.LOCAL_FALLBACK, 10);

        for (int i = 0; i < 5; i++) {
            RateLimitDecision decision = decide(limiter, "k", plan);
            assertThat(decision.allowed()).as("request %d", i + 1).isTrue();
            assertThat(decision.fallback()).isTrue();
            assertThat(decision.backend()).isEqualTo("local");
            assertThat(decision.limit()).isEqualTo(5);
            assertThat(decision.remaining()).isEqualTo(4 - i);
        }
        RateLimitDecision refused = decide(limiter, "k", plan);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.fallback()).isTrue();
        assertThat(refused.retryAfterNanos()).isPositive();
        // another identity has its own local bucket
        assertThat(decide(limiter, "other", plan).allowed()).isTrue();
    }

    @Test
    void consumeWhenBackendFailsAndSingleInstanceThenLocalFallbackKeepsWholePlan() {
        ResilientRateLimiter limiter = limiter(breaker(), 1);
        RatePlan plan = plan(RatePlan.FailurePolicy.LOCAL_FALLBACK, 3);

        for (int i = 0; i < 3; i++) {
            assertThat(decide(limiter, "k", plan).allowed()).isTrue();
        }
        assertThat(decide(limiter, "k", plan).allowed()).isFalse();
    }

    @Test
    void consumeWhenBackendHangsThenCutByTimeoutAndPolicyApplies() {
        this.behaviour.set(HANGING);
        ResilientRateLimiter limiter = limiter(breaker(), 2);

        long began = System.nanoTime();
        StepVerifier.create(limiter.consume("k", plan(RatePlan.FailurePolicy.FAIL_OPEN, 10)))
                .assertNext(decision -> {
                    assertThat(decision.allowed()).isTrue();
                    assertThat(decision.backend()).isEqualTo("none");
                    assertThat(decision.fallback()).isTrue();
                })
                .expectComplete()
                .verify(HANG);
        Duration took = Duration.ofNanos(System.nanoTime() - began);

        assertThat(took).isGreaterThanOrEqualTo(TIMEOUT);
        StepVerifier.create(limiter.consume("k", plan(RatePlan.FailurePolicy.FAIL_CLOSED, 10)))
                .expectError(RateLimitUnavailableException.class)
                .verify(HANG);
        assertThat(limiter.breaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
    }

    @Test
    void consumeWhenBackendKeepsFailingThenBreakerOpensAndBackendNoLongerCalled() {
        ResilientRateLimiter limiter = limiter(breaker(), 2);
        RatePlan plan = plan(RatePlan.FailurePolicy.FAIL_OPEN, 10);

        for (int i = 0; i < 4; i++) {
            decide(limiter, "k", plan);
        }
        assertThat(this.calls).hasValue(4);
        assertThat(limiter.degraded()).isTrue();
        assertThat(limiter.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

        for (int i = 0; i < 20; i++) {
            RateLimitDecision decision = decide(limiter, "k", plan);
            assertThat(decision.backend()).isEqualTo("none");
            assertThat(decision.fallback()).isTrue();
        }
        assertThat(this.calls)
                .as("calls to the backend while the breaker is open")
                .hasValue(4);
        assertThat(limiter.breaker().getMetrics().getNumberOfNotPermittedCalls())
                .isEqualTo(20);
    }

    @Test
    void consumeWhenBreakerOpenAndPlanFailsClosedThenUnavailableWithoutCallingBackend() {
        ResilientRateLimiter limiter = limiter(breaker(), 2);
        limiter.breaker().transitionToOpenState();

        StepVerifier.create(limiter.consume("k", plan(RatePlan.FailurePolicy.FAIL_CLOSED, 10)))
                .expectError(RateLimitUnavailableException.class)
                .verify(HANG);
        assertThat(this.calls).hasValue(0);
    }

    @Test
    void consumeWhenBackendHangsRepeatedlyThenBreakerOpensAndRequestsNoLongerWait() {
        this.behaviour.set(HANGING);
        ResilientRateLimiter limiter = limiter(breaker(), 2);
        RatePlan plan = plan(RatePlan.FailurePolicy.LOCAL_FALLBACK, 10);

        for (int i = 0; i < 4; i++) {
            decide(limiter, "k", plan);
        }
        assertThat(limiter.degraded()).isTrue();

        RateLimitDecision decision = decide(limiter, "k", plan);

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.fallback()).isTrue();
        // an open breaker does not even subscribe to the backend, so there is no timeout to wait out
        assertThat(this.calls).hasValue(4);
        assertThat(limiter.breaker().getMetrics().getNumberOfNotPermittedCalls())
                .isEqualTo(1);
    }

    @Test
    void consumeWhenOpenForElapsedAndBackendBackThenProbeClosesBreaker() {
        ResilientRateLimiter limiter = limiter(breaker(OPEN_FOR), 2);
        RatePlan plan = plan(RatePlan.FailurePolicy.LOCAL_FALLBACK, 10);
        for (int i = 0; i < 4; i++) {
            decide(limiter, "k", plan);
        }
        this.behaviour.set(ANSWERING);
        // still open: the recovered backend is not asked yet
        CircuitBreaker.State opened = limiter.breaker().getState();
        RateLimitDecision whileOpen = decide(limiter, "k", plan);
        int callsWhileOpen = this.calls.get();
        assertThat(opened).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(whileOpen.fallback()).isTrue();
        assertThat(callsWhileOpen).isEqualTo(4);

        this.clock.advance(OPEN_FOR.plusMillis(1));
        // no automatic transition: the breaker stays open until a request comes
        assertThat(limiter.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

        RateLimitDecision probe = decide(limiter, "k", plan);
        assertThat(this.calls).as("the probe reached the backend").hasValue(5);
        assertThat(probe).isEqualTo(redisDecision());
        assertThat(limiter.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(limiter.degraded()).isFalse();

        for (int i = 0; i < 5; i++) {
            RateLimitDecision decision = decide(limiter, "k", plan);
            assertThat(decision.backend()).isEqualTo("redis");
            assertThat(decision.fallback()).isFalse();
        }
        assertThat(this.calls).hasValue(10);
    }

    @Test
    void consumeWhenOpenForElapsedAndBackendStillDownThenProbeReopensBreaker() {
        ResilientRateLimiter limiter = limiter(breaker(OPEN_FOR), 2);
        RatePlan plan = plan(RatePlan.FailurePolicy.FAIL_OPEN, 10);
        for (int i = 0; i < 4; i++) {
            decide(limiter, "k", plan);
        }

        this.clock.advance(OPEN_FOR.plusMillis(1));
        RateLimitDecision probe = decide(limiter, "k", plan);
        int callsAfterProbe = this.calls.get();
        CircuitBreaker.State afterProbe = limiter.breaker().getState();
        decide(limiter, "k", plan);
        int callsAfterNext = this.calls.get();

        assertThat(callsAfterProbe).isEqualTo(5);
        assertThat(probe.backend()).isEqualTo("none");
        assertThat(afterProbe).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(callsAfterNext).as("open again: no further calls").isEqualTo(5);
    }
}
