package io.dualcore.gateway.bench;

import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RejectedPathException;
import io.dualcore.gateway.web.RequestPathProperties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The cost of {@link PathCanonicalizer#canonicalize(String)} with the shipped settings, per kind of path: already
 * canonical (the common case: one pass, no allocation; run with {@code -prof gc} to see {@code gc.alloc.rate.norm}
 * at 0 B/op), rewritten (encoded dots, merged slashes, lowercase escapes, UTF-8), and refused (a stackless
 * exception).
 *
 * <p>Run (after {@code test-compile} and {@code dependency:build-classpath}, see {@code bench/README.md}):
 * {@code java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)"
 * io.dualcore.gateway.bench.PathCanonicalizerBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class PathCanonicalizerBenchmark {

    @Param({
        // canonical: returned as the same instance
        "/api/orders/42",
        "/api/v1/customers/8f14e45f-ceea-467f-a8b2-7c1d2f3a9b10/orders/2026-11-28/items?expand=all",
        "/api/public/caf%C3%A9/a%20b",
        // rewritten
        "/api/public/x/../../admin/users",
        "/api//admin/users",
        "/api/public/%2e%2e/admin/users",
        "/api/caf%c3%a9/%7euser",
        // refused
        "/api/public/..;/admin/users",
        "/api/public/..%2fadmin/users",
        "/api/%c0%af",
        "/../etc/passwd"
    })
    public String path;

    private PathCanonicalizer canonicalizer;

    /** A fresh copy, so the benchmark cannot profit from the interned literal. */
    private String raw;

    @Setup
    public void setUp() {
        this.canonicalizer = new PathCanonicalizer(RequestPathProperties.defaults());
        // the query is not part of the path: the filter passes URI#getRawPath only
        int query = this.path.indexOf('?');
        this.raw = new String((query < 0 ? this.path : this.path.substring(0, query)).toCharArray());
    }

    @Benchmark
    public Object canonicalize() {
        try {
            return this.canonicalizer.canonicalize(this.raw);
        } catch (RejectedPathException ex) {
            return ex.reason();
        }
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        OptionsBuilder options = new OptionsBuilder();
        options.parent(new CommandLineOptions(args));
        options.include(PathCanonicalizerBenchmark.class.getSimpleName());
        new Runner(options.build()).run();
    }
}
