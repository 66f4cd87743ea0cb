package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The gateway's own server span: continues the client's trace, hands the upstream a {@code traceparent} of the same
 * trace with the same sampling decision, and records a span only when sampled.
 */
class ServerSpanWebFilterTests {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();

    @Test
    void sampledRequestWithClientTraceparentThenServerSpanChildOfClientAndUpstreamContinuesUnderIt() {
        ServerSpanWebFilter filter = filter(Sampler.parentBased(Sampler.alwaysOn()));
        MockServerWebExchange exchange = exchange("00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01");

        HttpHeaders upstream = run(filter, exchange, HttpStatus.OK);

        assertThat(this.spans.getFinishedSpanItems()).hasSize(1);
        SpanData server = this.spans.getFinishedSpanItems().get(0);
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(server.getParentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(server.getAttributes().asMap().toString()).contains("http.response.status_code=200");
        assertThat(upstream.getFirst("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + server.getSpanId() + "-01");
    }

    @Test
    void unsampledClientTraceThenNoSpanRecordedButUpstreamContinuesSameTraceUnsampled() {
        ServerSpanWebFilter filter = filter(Sampler.parentBased(Sampler.alwaysOn()));
        MockServerWebExchange exchange = exchange("00-" + TRACE_ID + "-" + CLIENT_SPAN + "-00");

        HttpHeaders upstream = run(filter, exchange, HttpStatus.OK);

        assertThat(this.spans.getFinishedSpanItems()).isEmpty();
        String traceparent = upstream.getFirst("traceparent");
        assertThat(traceparent).startsWith("00-" + TRACE_ID + "-").endsWith("-00");
        assertThat(traceparent).doesNotContain(CLIENT_SPAN);
    }

    @Test
    void noClientTraceAndSamplerSaysNoThenUpstreamStillGetsAnUnsampledTraceparent() {
        ServerSpanWebFilter filter = filter(Sampler.parentBased(Sampler.alwaysOff()));
        MockServerWebExchange exchange = exchange(null);

        HttpHeaders upstream = run(filter, exchange, HttpStatus.OK);

        assertThat(this.spans.getFinishedSpanItems()).isEmpty();
        assertThat(upstream.getFirst("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
    }

    @Test
    void malformedClientTraceparentThenNewTraceNotTheClientsValue() {
        ServerSpanWebFilter filter = filter(Sampler.parentBased(Sampler.alwaysOn()));
        MockServerWebExchange exchange = exchange("00-" + TRACE_ID + "-zz" + CLIENT_SPAN.substring(2) + "-01\r\nx: y");

        HttpHeaders upstream = run(filter, exchange, HttpStatus.BAD_GATEWAY);

        SpanData server = this.spans.getFinishedSpanItems().get(0);
        assertThat(server.getParentSpanContext().isValid()).isFalse();
        assertThat(server.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        assertThat(upstream.getFirst("traceparent"))
                .isEqualTo("00-" + server.getTraceId() + "-" + server.getSpanId() + "-01");
    }

    private ServerSpanWebFilter filter(Sampler sampler) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setSampler(sampler)
                .addSpanProcessor(SimpleSpanProcessor.create(this.spans))
                .build();
        return new ServerSpanWebFilter(provider.get("test"), this.propagator, null);
    }

    private static MockServerWebExchange exchange(String traceparent) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("http://gateway/api/orders");
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return MockServerWebExchange.from(request);
    }

    /** Runs the filter around a "route" that answers with the status and records the headers sent upstream. */
    private HttpHeaders run(ServerSpanWebFilter filter, MockServerWebExchange exchange, HttpStatus status) {
        AtomicReference<HttpHeaders> upstream = new AtomicReference<>();
        TraceContextHeadersFilter headers = new TraceContextHeadersFilter(this.propagator);
        filter.filter(exchange, (ServerWebExchange routed) -> {
                    HttpHeaders copy = new HttpHeaders();
                    copy.addAll(routed.getRequest().getHeaders());
                    upstream.set(headers.filter(copy, routed));
                    Context context = routed.getAttribute(GatewayTelemetry.TRACE_CONTEXT);
                    assertThat(Span.fromContext(context).getSpanContext().isValid())
                            .isTrue();
                    routed.getResponse().setStatusCode(status);
                    return Mono.empty();
                })
                .block();
        return upstream.get();
    }
}
