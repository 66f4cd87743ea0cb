package io.dualcore.gateway.bench;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

/**
 * What the framework's per-request instrumentation costs, in isolation, to choose the shipped defaults:
 * <ul>
 *   <li>one Micrometer observation as Spring's HTTP server observation makes it (a timer and a long-task timer,
 *       plus a tracing handler with a 10% sampler, as shipped), against no observation;
 *   <li>a request-shaped Reactor chain (a filter chain of eight {@code Mono.defer} steps with a {@code contextWrite})
 *       with Reactor's automatic context propagation ({@code spring.reactor.context-propagation=auto}) and without
 *       ({@code limited}, the shipped default).
 * </ul>
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" io.dualcore.gateway.bench.ObservationCostBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ObservationCostBenchmark {

    /** {@code limited} or {@code auto}, as {@code spring.reactor.context-propagation}. */
    @Param({"limited", "auto"})
    public String contextPropagation;

    private ObservationRegistry metrics;

    private ObservationRegistry metricsAndTracing;

    private SdkTracerProvider tracerProvider;

    @Setup
    public void setUp() {
        this.metrics = ObservationRegistry.create();
        this.metrics
                .observationConfig()
                .observationHandler(new DefaultMeterObservationHandler(new SimpleMeterRegistry()));
        this.tracerProvider = SdkTracerProvider.builder()
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(0.1)))
                .build();
        OtelTracer tracer =
                new OtelTracer(this.tracerProvider.get("bench"), new OtelCurrentTraceContext(), event -> {});
        this.metricsAndTracing = ObservationRegistry.create();
        this.metricsAndTracing
                .observationConfig()
                .observationHandler(new DefaultMeterObservationHandler(new SimpleMeterRegistry()))
                .observationHandler(new DefaultTracingObservationHandler(tracer));
        if ("auto".equals(this.contextPropagation)) {
            Hooks.enableAutomaticContextPropagation();
        }
    }

    @TearDown
    public void tearDown() {
        Hooks.disableAutomaticContextPropagation();
        this.tracerProvider.close();
    }

    @Benchmark
    public Object requestChain() {
        Mono<Integer> chain = Mono.just(0);
        for (int i = 0; i < 8; i++) {
            Mono<Integer> previous = chain;
            chain = Mono.defer(() -> previous.map(n -> n + 1));
        }
        return chain.contextWrite(context -> context.put("exchange", "x")).block();
    }

    @Benchmark
    public Object serverObservationMetrics() {
        Observation observation = Observation.start("http.server.requests", this.metrics)
                .lowCardinalityKeyValue("uri", "/api/**")
                .lowCardinalityKeyValue("status", "200");
        observation.stop();
        return observation;
    }

    @Benchmark
    public Object serverObservationMetricsAndTracing() {
        Observation observation = Observation.start("http.server.requests", this.metricsAndTracing)
                .lowCardinalityKeyValue("uri", "/api/**")
                .lowCardinalityKeyValue("status", "200");
        observation.stop();
        return observation;
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        OptionsBuilder options = new OptionsBuilder();
        options.parent(new CommandLineOptions(args));
        options.include(ObservationCostBenchmark.class.getSimpleName());
        new Runner(options.build()).run();
    }
}
