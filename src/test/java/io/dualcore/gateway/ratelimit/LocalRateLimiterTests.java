package io.dualcore.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** In-memory buckets: limits, refill, independence of keys, accuracy under contention, and bounded memory. */
class LocalRateLimiterTests {

    static RatePlan plan(String name, long capacity, Long refillTokens, Duration period) {
        return RatePlan.of(
                name,
                new RateLimitProperties.Plan(
                        List.of(new RateLimitProperties.Bandwidth(capacity, refillTokens, period)),
                        RatePlan.FailurePolicy.LOCAL_FALLBACK,
                        "identity"));
    }

    @Test
    void consumeNowWhenCapacityUsedUpThenRefused() {
        LocalRateLimiter limiter = new LocalRateLimiter(100);
        RatePlan plan = plan("p", 3, null, Duration.ofMinutes(1));

        for (int i = 2; i >= 0; i--) {
            RateLimitDecision decision = limiter.consumeNow("k", plan);
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(i);
            assertThat(decision.limit()).isEqualTo(3);
            assertThat(decision.backend()).isEqualTo("local");
            assertThat(decision.fallback()).isFalse();
            assertThat(decision.retryAfterNanos()).isZero();
        }
        RateLimitDecision refused = limiter.consumeNow("k", plan);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        // one token every 20 s
        assertThat(refused.retryAfterNanos())
                .isPositive()
                .isLessThanOrEqualTo(Duration.ofSeconds(20).toNanos());
        assertThat(refused.resetNanos())
                .isGreaterThan(Duration.ofSeconds(50).toNanos())
                .isLessThanOrEqualTo(Duration.ofMinutes(1).toNanos());
    }

    @Test
    void consumeWhenSubscribedThenSameDecisions() {
        LocalRateLimiter limiter = new LocalRateLimiter(100);
        RatePlan plan = plan("p", 1, null, Duration.ofMinutes(1));

        StepVerifier.create(limiter.consume("k", plan))
                .assertNext(decision -> assertThat(decision.allowed()).isTrue())
                .verifyComplete();
        StepVerifier.create(limiter.consume("k", plan))
                .assertNext(decision -> assertThat(decision.allowed()).isFalse())
                .verifyComplete();
    }

    /** A clock the test moves: refill windows and idle expiry without sleeping. */
    static final class ManualTime implements TimeMeter {

        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long currentTimeNanos() {
            return this.nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }

        void advance(Duration duration) {
            this.nanos.addAndGet(duration.toNanos());
        }
    }

    private final ManualTime time = new ManualTime();

    private LocalRateLimiter limiterOnManualTime() {
        return new LocalRateLimiter(100, "local", this.time);
    }

    @Test
    void consumeNowWhenTimePassesThenRefilled() {
        LocalRateLimiter limiter = limiterOnManualTime();
        // greedy refill: one token every 100 ms
        RatePlan plan = plan("p", 2, null, Duration.ofMillis(200));

        assertThat(limiter.consumeNow("k", plan).allowed()).isTrue();
        assertThat(limiter.consumeNow("k", plan).allowed()).isTrue();
        RateLimitDecision refused = limiter.consumeNow("k", plan);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterNanos())
                .isPositive()
                .isLessThanOrEqualTo(Duration.ofMillis(100).toNanos());

        this.time.advance(Duration.ofMillis(99));
        assertThat(limiter.consumeNow("k", plan).allowed())
                .as("not yet refilled")
                .isFalse();
        this.time.advance(Duration.ofMillis(151));

        assertThat(limiter.consumeNow("k", plan).allowed()).isTrue();
        assertThat(limiter.consumeNow("k", plan).allowed()).isTrue();
        assertThat(limiter.consumeNow("k", plan).allowed()).isFalse();
    }

    @Test
    void consumeNowWhenKeysDifferThenBucketsIndependent() {
        LocalRateLimiter limiter = new LocalRateLimiter(100);
        RatePlan plan = plan("p", 2, null, Duration.ofMinutes(1));

        assertThat(limiter.consumeNow("alice", plan).allowed()).isTrue();
        assertThat(limiter.consumeNow("alice", plan).allowed()).isTrue();
        assertThat(limiter.consumeNow("alice", plan).allowed()).isFalse();

        RateLimitDecision bob = limiter.consumeNow("bob", plan);
        assertThat(bob.allowed()).isTrue();
        assertThat(bob.remaining()).isEqualTo(1);
        assertThat(limiter.consumeNow("alice", plan).allowed()).isFalse();
        assertThat(limiter.size()).isEqualTo(2);
    }

    @Test
    void consumeNowWhenPlanOfKeyChangesThenNewBucketOfNewPlan() {
        LocalRateLimiter limiter = new LocalRateLimiter(100);
        RatePlan small = plan("p", 1, null, Duration.ofMinutes(1));
        RatePlan large = plan("p", 5, null, Duration.ofMinutes(1));

        assertThat(limiter.consumeNow("k", small).allowed()).isTrue();
        assertThat(limiter.consumeNow("k", small).allowed()).isFalse();
        RateLimitDecision decision = limiter.consumeNow("k", large);
        assertThat(decision.allowed()).isTrue();
        assertThat(decision.remaining()).isEqualTo(4);
        assertThat(decision.limit()).isEqualTo(5);
    }

    @Test
    void consumeNowWhenContendedThenAdmitsNoMoreThanCapacityPlusRefill() throws Exception {
        LocalRateLimiter limiter = new LocalRateLimiter(100);
        long capacity = 100;
        long refillPerSecond = 100;
        RatePlan plan = plan("p", capacity, refillPerSecond, Duration.ofSeconds(1));
        int threads = 8;
        int attempts = 2_000;
        AtomicLong admitted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < attempts; i++) {
                    if (limiter.consumeNow("hot", plan).allowed()) {
                        admitted.incrementAndGet();
                    } else {
                        refused.incrementAndGet();
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();

        long began = System.nanoTime();
        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(worker.isAlive()).isFalse();
        }
        long elapsedNanos = System.nanoTime() - began;

        assertThat(admitted.get() + refused.get()).isEqualTo((long) threads * attempts);
        long bound = capacity + (refillPerSecond * elapsedNanos) / TimeUnit.SECONDS.toNanos(1) + 1;
        assertThat(admitted.get())
                .as("admitted in %d ms", TimeUnit.NANOSECONDS.toMillis(elapsedNanos))
                .isGreaterThanOrEqualTo(capacity)
                .isLessThanOrEqualTo(bound);
    }

    @Test
    void sizeWhenIdleBucketsFullAgainThenForgotten() {
        LocalRateLimiter limiter = limiterOnManualTime();
        RatePlan plan = plan("p", 1, null, Duration.ofMillis(50));
        for (int i = 0; i < 20; i++) {
            limiter.consumeNow("k" + i, plan);
        }
        assertThat(limiter.size()).isEqualTo(20);

        // expiry is precise, but removal follows Caffeine's timer wheel (about 1 s ticks): step past a tick
        this.time.advance(Duration.ofSeconds(2));
        assertThat(limiter.size()).isZero();
    }

    @Test
    void sizeWhenBucketsNotYetFullThenKept() {
        LocalRateLimiter limiter = limiterOnManualTime();
        RatePlan plan = plan("p", 1, null, Duration.ofHours(1));
        limiter.consumeNow("k", plan);

        this.time.advance(Duration.ofMinutes(30));

        assertThat(limiter.size()).isEqualTo(1);
        // the bucket kept its state: still empty
        assertThat(limiter.consumeNow("k", plan).allowed()).isFalse();
    }

    @Test
    void sizeWhenMoreKeysThanMaximumThenBounded() {
        LocalRateLimiter limiter = new LocalRateLimiter(1_000);
        RatePlan plan = plan("p", 10, null, Duration.ofHours(1));

        for (int i = 0; i < 10_000; i++) {
            limiter.consumeNow("key-" + i, plan);
        }

        assertThat(limiter.size()).isLessThanOrEqualTo(1_000).isGreaterThan(0);
    }
}
