package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.telemetry.AuditLog;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Instant;
import java.util.Collection;
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
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway's own tracing costs per authenticated request, side by side: the authentication span and its
 * counters with tracing off (OpenTelemetry no-op), with the SDK sampling nothing, and with the SDK sampling every
 * request into a batch exporter that drops the spans.
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" io.dualcore.gateway.bench.TelemetryBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class TelemetryBenchmark {

    private final ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders"));

    private final GatewayIdentity identity = new GatewayIdentity(
            OidcVerificationMode.MODE,
            "https://idp.test/realms/dualcore",
            "dualcore",
            "user-1",
            "web-app",
            Set.of("user"),
            Set.of("openid"),
            null,
            "rsa-1",
            Instant.parse("2030-01-01T00:00:00Z"),
            Map.of());

    private GatewayTelemetry off;

    private GatewayTelemetry sampledNever;

    private GatewayTelemetry sampledAlways;

    private SdkTracerProvider never;

    private SdkTracerProvider always;

    @Setup
    public void setUp() {
        this.off = telemetry(OpenTelemetry.noop().getTracer("bench"));
        this.never = SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build();
        this.always = SdkTracerProvider.builder()
                .setSampler(Sampler.alwaysOn())
                .addSpanProcessor(
                        BatchSpanProcessor.builder(new DroppingExporter()).build())
                .build();
        this.sampledNever = telemetry(this.never.get("bench"));
        this.sampledAlways = telemetry(this.always.get("bench"));
        this.unsampledParent = this.never.get("bench").spanBuilder("request").startSpan();
        this.sampledParent = this.always.get("bench").spanBuilder("request").startSpan();
        // the writer thread logs to dualcore.audit: measure the queueing, not a console
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AuditLog.LOGGER))
                .setLevel(ch.qos.logback.classic.Level.INFO);
        this.auditLog = new AuditLog(true);
        this.audited = new GatewayTelemetry(
                OpenTelemetry.noop().getTracer("bench"),
                new SimpleMeterRegistry(),
                this.auditLog,
                false,
                TestModes.REGISTRY,
                Set.of(TestModes.EDGE));
    }

    private io.opentelemetry.api.trace.Span unsampledParent;

    private io.opentelemetry.api.trace.Span sampledParent;

    private AuditLog auditLog;

    private GatewayTelemetry audited;

    private static GatewayTelemetry telemetry(io.opentelemetry.api.trace.Tracer tracer) {
        return new GatewayTelemetry(
                tracer,
                new SimpleMeterRegistry(),
                new AuditLog(false),
                false,
                TestModes.REGISTRY,
                Set.of(TestModes.EDGE));
    }

    @TearDown
    public void tearDown() {
        this.auditLog.close();
        this.never.close();
        this.always.close();
    }

    @Benchmark
    public GatewayIdentity tracingOff() {
        this.off.authenticated(this.exchange, this.identity);
        return this.identity;
    }

    /** The request span unsampled: no span object at all for the gateway's step. */
    @Benchmark
    public GatewayIdentity tracingSampledNever() {
        try (io.opentelemetry.context.Scope scope = this.unsampledParent.makeCurrent()) {
            this.sampledNever.authenticated(this.exchange, this.identity);
        }
        return this.identity;
    }

    @Benchmark
    public GatewayIdentity tracingSampledAlways() {
        try (io.opentelemetry.context.Scope scope = this.sampledParent.makeCurrent()) {
            this.sampledAlways.authenticated(this.exchange, this.identity);
        }
        return this.identity;
    }

    /** An allowed request's final outcome with audit events on: counters plus queueing one event. */
    @Benchmark
    public GatewayIdentity completedWithAudit() {
        this.audited.completed(this.exchange, "microservice-core", this.identity, 200, null);
        return this.identity;
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        OptionsBuilder options = new OptionsBuilder();
        options.parent(new CommandLineOptions(args));
        options.include(TelemetryBenchmark.class.getSimpleName());
        new Runner(options.build()).run();
    }

    /** Accepts and forgets spans: the cost measured is the SDK's, not an exporter's network. */
    private static final class DroppingExporter implements SpanExporter {

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
