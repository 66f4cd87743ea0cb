package io.dualcore.gateway.bench;

import io.dualcore.gateway.telemetry.AuditEvent;
import io.dualcore.gateway.telemetry.AuditLinesForBench;
import io.dualcore.gateway.telemetry.TestAuditEvents;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The audit writer thread's work per line with the shipped ECS console format: a batch of 64 events (what queues
 * up in a few milliseconds under load) formatted and written to {@code System.out} by {@code EcsAuditLines.write},
 * standard output pointed at a stream that drops the bytes (the write system call is not measured). Scores and
 * {@code gc.alloc.rate.norm} are per line.
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" org.openjdk.jmh.Main AuditWriterBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class AuditWriterBenchmark {

    private static final int LINES = 64;

    /** {@code ascii}: the usual line; {@code escaped}: a path and subject with quotes, controls and non-ASCII. */
    @Param({"ascii", "escaped"})
    public String values;

    private final List<AuditEvent> batch = new ArrayList<>(LINES);

    private Consumer<List<AuditEvent>> writer;

    private PrintStream console;

    @Setup
    public void setUp() {
        this.console = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream(), false));
        this.writer = AuditLinesForBench.ecsWriter();
        boolean escaped = "escaped".equals(this.values);
        for (int i = 0; i < LINES; i++) {
            this.batch.add(TestAuditEvents.allowed()
                    .route("microservice-core")
                    .request("GET", escaped ? "/api/caf\u00e9/\"" + i + "\"\t" : "/api/orders/" + i)
                    .sourceIp("10.1.2." + (i % 250))
                    .traceId("4bf92f3577b34da6a3ce929d0e0e47" + (10 + i))
                    .caller(
                            "oidc",
                            "http://localhost:8180/realms/dualcore",
                            "dualcore",
                            escaped ? "us\u00e9r-\u4e2d-" + i : "3f0c1a2b-user-" + i)
                    .clientId("dualcore-demo")
                    .keyId("Xy")
                    .build());
        }
    }

    @TearDown
    public void tearDown() {
        System.setOut(this.console);
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public void writeBatch() {
        this.writer.accept(this.batch);
    }
}
