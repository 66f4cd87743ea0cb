package io.dualcore.gateway.bench;

import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

/**
 * The problem body of a refusal on the hot path (401 missing token, 404 no route, 429 rate limited): the invariant
 * members pre-rendered per code from a {@code ProblemDetail} ({@code prerendered*}), against the whole
 * {@code ProblemDetail} serialized per response ({@code problemDetailMapper401}) and the map serialized per response
 * as {@code ProblemResponses} did before ({@code mapBefore401}). Run with {@code -prof gc} for the bytes per
 * operation ({@code gc.alloc.rate.norm}); times on a loaded machine are only indicative.
 *
 * <p>Run (after {@code test-compile} and {@code dependency:build-classpath}, see {@code bench/README.md}):
 * {@code java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" org.openjdk.jmh.Main
 * ProblemBodyBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class ProblemBodyBenchmark {

    private static final String PATH = "/api/orders/42";

    private static final String MISSING = "The Authorization header does not carry a Bearer token";

    private final JsonMapper mapper = ProblemResponses.defaultJsonMapper();

    private final ProblemResponses problems = new ProblemResponses("dualcore-gateway", 1, null, null, this.mapper);

    private final JsonMapper before = JsonMapper.builder().build();

    @Benchmark
    public byte[] prerendered401() {
        return this.problems.body(ErrorCode.MISSING_TOKEN, MISSING, PATH);
    }

    @Benchmark
    public byte[] prerendered404() {
        return this.problems.body(ErrorCode.NO_ROUTE, "No route matches this path", PATH);
    }

    @Benchmark
    public byte[] prerendered429() {
        return this.problems.body(ErrorCode.RATE_LIMITED, "Rate limit exceeded", PATH);
    }

    @Benchmark
    public byte[] problemDetailMapper401() {
        return this.mapper.writeValueAsBytes(ProblemResponses.problem(ErrorCode.MISSING_TOKEN, MISSING, PATH, null));
    }

    @Benchmark
    public byte[] mapBefore401() {
        ErrorCode code = ErrorCode.MISSING_TOKEN;
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", ProblemResponses.PROBLEM_TYPE_PREFIX + code.code());
        problem.put("title", code.title());
        problem.put("status", code.status().value());
        problem.put("detail", MISSING);
        problem.put("code", code.code());
        problem.put("instance", PATH);
        return this.before.writeValueAsBytes(problem);
    }
}
