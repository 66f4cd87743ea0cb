package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitKeys;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.ratelimit.RedisRateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.testsupport.redis.RedisClusterFixture;
import io.dualcore.gateway.testsupport.redis.RedisServerFixture;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * Cost of a local rate-limit check per request, side by side: building the bucket key alone (the baseline every
 * variant pays, as {@code RoutePipelineFilter} does), a local bucket on one hot key, and local buckets on 100 000
 * rotating identities (cold in the CPU caches; all held, as with the default {@code maximum-local-keys}), plus the
 * same rotation with a key bound of 10 000 so that most checks create a bucket after an eviction; and the shared
 * backends: one standalone Redis and a Redis Cluster (3 masters, 3 replicas), each on loopback.
 *
 * <p>Run (from the project directory):
 *
 * <pre>
 * ./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -cp "$(cat cp.txt):target/test-classes:target/classes" io.dualcore.gateway.bench.RateLimitBenchmark
 * </pre>
 *
 * Arguments are JMH command-line options overriding the defaults of {@link #main}, e.g. {@code -f 2 -i 5 -t 2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RateLimitBenchmark {

    static final int COLD_KEYS = 100_000;

    private static final String ROUTE_ID = "orders";

    /** Large enough never to run dry during a run, so every check takes the admitting path. */
    private final RatePlan plan = RatePlan.of(
            "bench",
            new RateLimitProperties.Plan(
                    List.of(new RateLimitProperties.Bandwidth(1_000_000_000L, null, Duration.ofSeconds(1))),
                    RatePlan.FailurePolicy.LOCAL_FALLBACK,
                    "identity"));

    private final ServerWebExchange exchange = MockServerWebExchange.from(
            MockServerHttpRequest.get("/orders").remoteAddress(new InetSocketAddress("192.0.2.10", 50000)));

    private GatewayIdentity hot;

    private GatewayIdentity[] cold;

    private int next;

    private LocalRateLimiter limiter;

    private LocalRateLimiter boundedLimiter;

    private RedisServerFixture redis;

    private RedisConnections redisConnections;

    private RedisRateLimiter redisLimiter;

    private ResilientRateLimiter resilientLimiter;

    @Setup
    public void setUp() {
        // a real Redis on loopback (REDIS_URL, redis-server on the PATH, or the embedded-redis binary)
        this.redis = RedisServerFixture.startNew();
        this.redisConnections = new RedisConnections(RedisProperties.of(this.redis.uri(), Duration.ofSeconds(1)));
        this.redisLimiter = new RedisRateLimiter(this.redisConnections.binaryConnection(), Duration.ofSeconds(1));
        this.resilientLimiter = new ResilientRateLimiter(
                this.redisLimiter,
                new LocalRateLimiter(100_000),
                CircuitBreaker.ofDefaults("bench"),
                Duration.ofSeconds(1),
                2);
        this.hot = identity("hot-user");
        this.cold = new GatewayIdentity[COLD_KEYS];
        for (int i = 0; i < COLD_KEYS; i++) {
            this.cold[i] = identity("user-" + i);
        }
        this.limiter = new LocalRateLimiter(100_000);
        this.boundedLimiter = new LocalRateLimiter(10_000);
    }

    private static GatewayIdentity identity(String subject) {
        return new GatewayIdentity(
                OidcVerificationMode.MODE,
                "https://idp.test/realms/dualcore",
                "dualcore",
                subject,
                "web-app",
                Set.of("user"),
                Set.of("openid"),
                null,
                "rsa-1",
                Instant.parse("2030-01-01T00:00:00Z"),
                Map.of());
    }

    /** The key as {@code RoutePipelineFilter} builds it (route and plan prefix, then the caller). */
    private String key(GatewayIdentity identity) {
        return ROUTE_ID + "|" + this.plan.name() + "|" + RateLimitKeys.of(identity, this.exchange);
    }

    private GatewayIdentity nextCold() {
        int i = this.next;
        this.next = (i + 1 == COLD_KEYS) ? 0 : i + 1;
        return this.cold[i];
    }

    @Benchmark
    public String baselineKeyOnly() {
        return key(this.hot);
    }

    @Benchmark
    public String baselineKeyOnlyRotating() {
        return key(nextCold());
    }

    @TearDown
    public void tearDown() {
        this.redisConnections.close();
        this.redis.close();
    }

    /** One round trip to Redis per request (compare-and-swap through bucket4j's lettuce proxy manager). */
    @Benchmark
    public RateLimitDecision redisHotKey() {
        return this.redisLimiter.consume(key(this.hot), this.plan).block();
    }

    /** As {@link #redisHotKey()}, through the timeout and circuit breaker the gateway wraps around Redis. */
    @Benchmark
    public RateLimitDecision redisResilientHotKey() {
        return this.resilientLimiter.consume(key(this.hot), this.plan).block();
    }

    @Benchmark
    public RateLimitDecision redisColdKeys100k() {
        return this.redisLimiter.consume(key(nextCold()), this.plan).block();
    }

    /** As {@link #redisHotKey()}, on a Redis Cluster (3 masters, 3 replicas on loopback) through lettuce's cluster client. */
    @Benchmark
    public RateLimitDecision redisClusterHotKey(ClusterState cluster) {
        return cluster.limiter.consume(key(this.hot), this.plan).block();
    }

    /** As {@link #redisColdKeys100k()}, on the cluster: the buckets spread over all three masters. */
    @Benchmark
    public RateLimitDecision redisClusterColdKeys100k(ClusterState cluster) {
        return cluster.limiter.consume(key(nextCold()), this.plan).block();
    }

    /** A Redis Cluster, started only for the benchmarks that use it (six redis-server processes). */
    @State(Scope.Benchmark)
    public static class ClusterState {

        private RedisClusterFixture cluster;

        private RedisConnections connections;

        RedisRateLimiter limiter;

        @Setup
        public void setUp() {
            this.cluster = RedisClusterFixture.start(3);
            this.connections = new RedisConnections(RedisProperties.of(this.cluster.url(), Duration.ofSeconds(1)));
            this.limiter = new RedisRateLimiter(this.connections.binaryConnection(), Duration.ofSeconds(1));
        }

        @TearDown
        public void tearDown() {
            this.connections.close();
            this.cluster.close();
        }
    }

    @Benchmark
    public RateLimitDecision localHotKey() {
        return this.limiter.consumeNow(key(this.hot), this.plan);
    }

    @Benchmark
    public RateLimitDecision localColdKeys100k() {
        return this.limiter.consumeNow(key(nextCold()), this.plan);
    }

    @Benchmark
    public RateLimitDecision localColdKeys100kEvicting() {
        return this.boundedLimiter.consumeNow(key(nextCold()), this.plan);
    }

    /**
     * Runs every benchmark of this class: 1 fork, 2 warmup and 3 measurement iterations of 1 s each, unless the
     * arguments (JMH command-line options, e.g. {@code -f 2 -wi 5 -i 5 -t 2 -prof gc}) say otherwise.
     */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(RateLimitBenchmark.class.getSimpleName());
        }
        if (!command.getForkCount().hasValue()) {
            options.forks(1);
        }
        if (!command.getWarmupIterations().hasValue()) {
            options.warmupIterations(2);
        }
        if (!command.getWarmupTime().hasValue()) {
            options.warmupTime(TimeValue.seconds(1));
        }
        if (!command.getMeasurementIterations().hasValue()) {
            options.measurementIterations(3);
        }
        if (!command.getMeasurementTime().hasValue()) {
            options.measurementTime(TimeValue.seconds(1));
        }
        new Runner(options.build()).run();
    }
}
