package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties.Propagation.PropagationType;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.BootPropagators;
import org.springframework.http.HttpHeaders;

/**
 * The direct path of the shipped propagation (W3C written, no remote baggage field) extracts and injects exactly
 * what Spring Boot's propagator does, for every header a client may send; any other configuration goes through the
 * propagator.
 */
class TracePropagationTests {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final String SPAN_ID = "00f067aa0ba902b7";

    static Stream<Map<String, String>> clientHeaders() {
        return Stream.of(
                Map.of(),
                Map.of("authorization", "Bearer x", "user-agent", "wrk"),
                Map.of("traceparent", "00-" + TRACE_ID + "-" + SPAN_ID + "-01"),
                Map.of("traceparent", "00-" + TRACE_ID + "-" + SPAN_ID + "-00", "tracestate", "vendor=abc,other=1"),
                Map.of("Traceparent", "00-" + TRACE_ID + "-" + SPAN_ID + "-01"),
                Map.of("traceparent", "00-" + TRACE_ID + "-zz" + SPAN_ID.substring(2) + "-01"),
                Map.of("tracestate", "vendor=abc"),
                Map.of("baggage", "tenant=acme,region=eu"),
                Map.of("traceparent", "00-" + TRACE_ID + "-" + SPAN_ID + "-01", "baggage", "tenant=acme"),
                Map.of("b3", TRACE_ID + "-" + SPAN_ID + "-1"),
                Map.of("X-B3-TraceId", TRACE_ID, "X-B3-SpanId", SPAN_ID, "X-B3-Sampled", "1"),
                Map.of("x-b3-traceid", TRACE_ID, "x-b3-spanid", SPAN_ID, "x-b3-flags", "1"),
                Map.of("traceparent", "ff-" + TRACE_ID + "-" + SPAN_ID + "-01"),
                Map.of("traceparent", "00-" + TRACE_ID + "-" + SPAN_ID + "-01-extra", "tracestate", "a=b"),
                Map.of("traceparent", "00-00000000000000000000000000000000-" + SPAN_ID + "-01"),
                Map.of(
                        "traceparent",
                        "00-" + TRACE_ID + "-" + SPAN_ID + "-00",
                        "b3",
                        "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"));
    }

    static Stream<TracingProperties> bootConfigurations() {
        TracingProperties consumeW3cAndB3Single = new TracingProperties();
        consumeW3cAndB3Single.getPropagation().setConsume(List.of(PropagationType.W3C, PropagationType.B3));
        TracingProperties noBaggage = new TracingProperties();
        noBaggage.getBaggage().setEnabled(false);
        TracingProperties consumeB3Only = new TracingProperties();
        consumeB3Only.getPropagation().setConsume(List.of(PropagationType.B3));
        TracingProperties typeW3c = new TracingProperties();
        typeW3c.getPropagation().setType(List.of(PropagationType.W3C));
        TracingProperties consumeB3First = new TracingProperties();
        consumeB3First.getPropagation().setConsume(List.of(PropagationType.B3, PropagationType.W3C));
        return Stream.of(
                new TracingProperties(), consumeW3cAndB3Single, noBaggage, consumeB3Only, typeW3c, consumeB3First);
    }

    static Stream<Object[]> cases() {
        return bootConfigurations().flatMap(tracing -> clientHeaders().map(headers -> new Object[] {tracing, headers}));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void extractWhenShippedPropagationThenDirectPathFindsWhatBootsPropagatorFinds(
            TracingProperties tracing, Map<String, String> client) {
        TextMapPropagator boot = BootPropagators.create(tracing);
        TracePropagation propagation = TracePropagation.of(boot, tracing);
        HttpHeaders request = new HttpHeaders();
        client.forEach(request::add);

        Context ours = propagation.extract(request);
        Context expected = boot.extract(Context.root(), request, GETTER);

        assertThat(propagation.direct()).isTrue();
        assertThat(Span.fromContext(ours).getSpanContext())
                .isEqualTo(Span.fromContext(expected).getSpanContext());
        assertThat(Baggage.fromContext(ours).asMap())
                .isEqualTo(Baggage.fromContext(expected).asMap());
    }

    static Stream<Object[]> contexts() {
        SpanContext sampled = SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext unsampled = SpanContext.create(
                TRACE_ID,
                SPAN_ID,
                TraceFlags.getDefault(),
                TraceState.builder().put("vendor", "abc").build());
        Context withBaggage = Context.root()
                .with(Span.wrap(sampled))
                .with(Baggage.builder().put("tenant", "acme").build());
        return bootConfigurations()
                .flatMap(tracing -> Stream.of(
                        new Object[] {tracing, Context.root().with(Span.wrap(sampled))},
                        new Object[] {tracing, Context.root().with(Span.wrap(unsampled))},
                        new Object[] {tracing, withBaggage},
                        new Object[] {tracing, Context.root()}));
    }

    @ParameterizedTest
    @MethodSource("contexts")
    void injectWhenShippedPropagationThenDirectPathWritesWhatBootsPropagatorWrites(
            TracingProperties tracing, Context context) {
        TextMapPropagator boot = BootPropagators.create(tracing);
        TracePropagation propagation = TracePropagation.of(boot, tracing);
        HttpHeaders ours = clientSent();
        HttpHeaders expected = clientSent();

        propagation.inject(context, ours);
        boot.inject(context, expected, SETTER);

        assertThat(propagation.direct()).isTrue();
        assertThat(ours.toSingleValueMap()).isEqualTo(expected.toSingleValueMap());
    }

    @Test
    void ofWhenB3WrittenRemoteFieldOrPropagatorOfItsOwnThenEveryRequestThroughThePropagator() {
        TracingProperties b3 = new TracingProperties();
        b3.getPropagation().setProduce(List.of(PropagationType.B3));
        TracingProperties both = new TracingProperties();
        both.getPropagation().setType(List.of(PropagationType.W3C, PropagationType.B3));
        TracingProperties remoteField = new TracingProperties();
        remoteField.getBaggage().setRemoteFields(List.of("x-tenant"));
        TracingProperties shipped = new TracingProperties();
        TextMapPropagator own = TextMapPropagator.composite(BootPropagators.create(shipped), new OwnPropagator());

        assertThat(TracePropagation.of(BootPropagators.create(b3), b3).direct()).isFalse();
        assertThat(TracePropagation.of(BootPropagators.create(both), both).direct())
                .isFalse();
        assertThat(TracePropagation.of(BootPropagators.create(remoteField), remoteField)
                        .direct())
                .isFalse();
        assertThat(TracePropagation.of(own, shipped).direct()).isFalse();
        assertThat(TracePropagation.of(TextMapPropagator.noop(), shipped).direct())
                .as("no propagation: nothing written")
                .isFalse();
        assertThat(TracePropagation.of(BootPropagators.create(shipped), null).direct())
                .isFalse();
        assertThat(TracePropagation.of(BootPropagators.create(shipped), shipped).direct())
                .isTrue();
    }

    @Test
    void injectWhenPropagatorOfItsOwnThenItWritesToo() {
        TracingProperties shipped = new TracingProperties();
        TextMapPropagator own = TextMapPropagator.composite(BootPropagators.create(shipped), new OwnPropagator());
        HttpHeaders upstream = new HttpHeaders();
        Context context = Context.root()
                .with(Span.wrap(
                        SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault())));

        TracePropagation.of(own, shipped).inject(context, upstream);

        assertThat(upstream.getFirst("x-own")).isEqualTo("1");
        assertThat(upstream.getFirst("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + SPAN_ID + "-01");
    }

    /** What a client sent, already in the upstream copy: the injected headers replace it. */
    private static HttpHeaders clientSent() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("traceparent", "00-" + TRACE_ID + "-" + "1111111111111111" + "-01");
        headers.add("baggage", "forged=1");
        headers.add("x-request-id", "r-1");
        return headers;
    }

    private static final TextMapSetter<HttpHeaders> SETTER = HttpHeaders::set;

    private static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.headerNames();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier.getFirst(key);
        }
    };

    /** A propagator of the application's own, with a header Boot's formats do not know. */
    private static final class OwnPropagator implements TextMapPropagator {

        @Override
        public Collection<String> fields() {
            return List.of("x-own");
        }

        @Override
        public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
            setter.set(carrier, "x-own", "1");
        }

        @Override
        public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
            return context;
        }
    }
}
