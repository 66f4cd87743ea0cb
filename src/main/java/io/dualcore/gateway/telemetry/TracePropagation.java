package io.dualcore.gateway.telemetry;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;

/**
 * How the gateway reads the client's trace context ({@link ServerSpanWebFilter}) and writes the upstream's
 * ({@link TraceContextHeadersFilter}): with the application's OpenTelemetry propagators, and, for the configuration
 * the gateway ships, the same result without their per-request machinery.
 *
 * <p>Spring Boot's propagator runs every configured format (W3C, B3, B3 multi) and Micrometer's baggage propagator
 * for {@code management.tracing.baggage.remote-fields}; that last one streams over the thread's current baggage on
 * every request, even with no remote field, and was most of the cost of both steps. When Boot's propagation is the
 * only one ({@code fields()} names no other header), it writes W3C only and has no remote field, then:
 * <ul>
 *   <li>a request with none of the headers of baggage and B3 ({@code baggage}, {@code b3}, {@code X-B3-*}) has the
 *       parent context OpenTelemetry's W3C trace context propagator reads from its {@code traceparent} (when W3C is
 *       read at all), or none without one: what Boot's propagator would find (an empty baggage aside); any other
 *       request goes through Boot's propagator;
 *   <li>the upstream's headers are what Boot's W3C injector writes: {@code traceparent} ({@code tracestate} when
 *       there is one) and, with baggage on, {@code baggage} when the context has any; the remote-field propagator
 *       would write nothing.
 * </ul>
 * Any other set-up (B3 produced, a remote field, a propagator of the application's own) takes the propagators'
 * path for every request.
 */
public final class TracePropagation {

    /** The headers of W3C trace context. */
    private static final List<String> W3C_TRACE = List.of("traceparent", "tracestate");

    /** Every other header one of Boot's formats reads (B3's single-header propagator reads the multi headers too). */
    private static final List<String> OTHERS =
            List.of("baggage", "b3", "X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled", "X-B3-Flags");

    /** Every header one of Boot's formats writes or reads, lower case. */
    private static final Set<String> BOOT_FIELDS = Set.of(
            "traceparent",
            "tracestate",
            "baggage",
            "b3",
            "x-b3-traceid",
            "x-b3-spanid",
            "x-b3-sampled",
            "x-b3-flags",
            "x-b3-parentspanid");

    private static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.headerNames();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return (carrier != null) ? carrier.getFirst(key) : null;
        }

        @Override
        public Iterator<String> getAll(HttpHeaders carrier, String key) {
            List<String> values = (carrier != null) ? carrier.get(key) : null;
            return (values != null) ? values.iterator() : Collections.emptyIterator();
        }
    };

    private static final TextMapSetter<HttpHeaders> SETTER = HttpHeaders::set;

    private final TextMapPropagator propagator;

    /** Boot's propagation, W3C written, no remote field: the direct path applies. */
    private final boolean w3cOnly;

    /** Whether W3C trace context is read (the direct path: from a request with no other trace header). */
    private final boolean w3cRead;

    private final boolean baggage;

    private TracePropagation(TextMapPropagator propagator, boolean w3cOnly, boolean w3cRead, boolean baggage) {
        Assert.notNull(propagator, "propagator cannot be null");
        this.propagator = propagator;
        this.w3cOnly = w3cOnly;
        this.w3cRead = w3cRead;
        this.baggage = baggage;
    }

    /** Every request through the propagators. */
    public static TracePropagation of(TextMapPropagator propagator) {
        return new TracePropagation(propagator, false, false, false);
    }

    /**
     * The application's propagator, Spring Boot's as {@code tracing} configures it (or {@code null} when there are
     * no tracing properties: every request through the propagator).
     */
    public static TracePropagation of(TextMapPropagator propagator, TracingProperties tracing) {
        if (tracing == null) {
            return of(propagator);
        }
        TracingProperties.Propagation propagation = tracing.getPropagation();
        // Boot's rule: management.tracing.propagation.type, else .produce / .consume
        List<TracingProperties.Propagation.PropagationType> produced =
                (propagation.getType() != null) ? propagation.getType() : propagation.getProduce();
        List<TracingProperties.Propagation.PropagationType> consumed =
                (propagation.getType() != null) ? propagation.getType() : propagation.getConsume();
        boolean w3cOnly =
                List.of(TracingProperties.Propagation.PropagationType.W3C).equals(produced)
                        && tracing.getBaggage().getRemoteFields().isEmpty()
                        && onlyBootFields(propagator);
        return new TracePropagation(
                propagator,
                w3cOnly,
                consumed.contains(TracingProperties.Propagation.PropagationType.W3C),
                tracing.getBaggage().isEnabled());
    }

    /** Whether the propagator reads and writes W3C trace context and no header Boot's formats do not know. */
    private static boolean onlyBootFields(TextMapPropagator propagator) {
        boolean traceparent = false;
        for (String field : propagator.fields()) {
            String name = field.toLowerCase(Locale.ROOT);
            if (!BOOT_FIELDS.contains(name)) {
                return false;
            }
            traceparent |= "traceparent".equals(name);
        }
        return traceparent;
    }

    /** Whether requests take the direct path (for tests). */
    boolean direct() {
        return this.w3cOnly;
    }

    /** The client's trace context in the request's headers, or the root context. */
    public Context extract(HttpHeaders request) {
        if (this.w3cOnly && !any(request, OTHERS)) {
            // no baggage or B3 header: Boot's propagator would find W3C trace context, when it reads it, or nothing
            if (!this.w3cRead || !any(request, W3C_TRACE)) {
                return Context.root();
            }
            return W3CTraceContextPropagator.getInstance().extract(Context.root(), request, GETTER);
        }
        return this.propagator.extract(Context.root(), request, GETTER);
    }

    private static boolean any(HttpHeaders request, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            if (request.containsHeader(names.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Writes the context's trace headers into the upstream request's headers, replacing the client's. */
    public void inject(Context context, HttpHeaders upstream) {
        if (this.w3cOnly) {
            W3CTraceContextPropagator.getInstance().inject(context, upstream, SETTER);
            if (this.baggage) {
                W3CBaggagePropagator.getInstance().inject(context, upstream, SETTER);
            }
            return;
        }
        this.propagator.inject(context, upstream, SETTER);
    }
}
