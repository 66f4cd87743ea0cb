package io.dualcore.gateway.bench;

import io.dualcore.gateway.telemetry.TracePropagation;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
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
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.BootPropagators;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

/**
 * A proxied request's trace propagation with Spring Boot's propagator as the gateway ships it (W3C written; W3C, B3
 * and B3 multi read; baggage on, no remote field): the client's context read from the request's headers
 * ({@code ServerSpanWebFilter}) and the server span's written into the upstream's ({@code TraceContextHeadersFilter}).
 * {@code propagator}: every request through Boot's propagator, as before 2026-12-08; {@code direct}:
 * {@link TracePropagation}'s path for that configuration. {@code client}: {@code none} sends no trace header (wrk, most
 * clients), {@code traceparent} sends one.
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" org.openjdk.jmh.Main TracePropagationBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class TracePropagationBenchmark {

    @Param({"propagator", "direct"})
    public String path;

    @Param({"none", "traceparent"})
    public String client;

    private TracePropagation propagation;

    private HttpHeaders request;

    private Context server;

    @Setup
    public void setUp() {
        TracingProperties shipped = new TracingProperties();
        TextMapPropagator boot = BootPropagators.create(shipped);
        this.propagation = "direct".equals(this.path) ? TracePropagation.of(boot, shipped) : TracePropagation.of(boot);
        MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.get("http://gateway/api/orders")
                .header("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
                .header("user-agent", "wrk")
                .header("accept", "*/*");
        if ("traceparent".equals(this.client)) {
            builder.header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        }
        ServerHttpRequest built = builder.build();
        this.request = built.getHeaders();
        this.server = Context.root()
                .with(Span.wrap(SpanContext.create(
                        "4bf92f3577b34da6a3ce929d0e0e4736",
                        "53995c3f42cd8ad8",
                        TraceFlags.getDefault(),
                        TraceState.getDefault())));
    }

    @Benchmark
    public HttpHeaders extractAndInject() {
        Context parent = this.propagation.extract(this.request);
        HttpHeaders upstream = new HttpHeaders();
        this.propagation.inject(this.server, upstream);
        return (parent == this.server) ? null : upstream;
    }
}
