package org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure;

import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.propagation.BaggageTextMapPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;

/**
 * Spring Boot's own text map propagator for tracing properties, built as its auto-configuration builds it (its
 * composite is package-private): the reference the gateway's {@code TracePropagation} must match.
 */
public final class BootPropagators {

    private BootPropagators() {}

    public static TextMapPropagator create(TracingProperties tracing) {
        TracingProperties.Baggage baggage = tracing.getBaggage();
        TextMapPropagator remoteFields = baggage.isEnabled()
                ? new BaggageTextMapPropagator(
                        baggage.getRemoteFields(),
                        new OtelBaggageManager(
                                new OtelCurrentTraceContext(), baggage.getRemoteFields(), baggage.getTagFields()))
                : null;
        return CompositeTextMapPropagator.create(tracing.getPropagation(), remoteFields);
    }
}
