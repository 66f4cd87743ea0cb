package io.dualcore.gateway.telemetry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Honours the standard OpenTelemetry environment variables for export: {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}
 * and {@code OTEL_EXPORTER_OTLP_METRICS_ENDPOINT}, or {@code OTEL_EXPORTER_OTLP_ENDPOINT} (+ {@code /v1/traces},
 * {@code /v1/metrics}), and {@code OTEL_SDK_DISABLED}. With no endpoint anywhere, OTLP export is off rather than
 * aimed at a collector that is not there: Boot's OTLP metrics registry would otherwise push to
 * {@code localhost:4318} every minute and log a warning with a stack trace each time. Explicit Spring properties
 * win.
 */
public final class OtelEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

    static final String TRACING_EXPORT_ENABLED = "management.tracing.export.otlp.enabled";

    static final String METRICS_URL = "management.otlp.metrics.export.url";

    static final String METRICS_EXPORT_ENABLED = "management.otlp.metrics.export.enabled";

    /** The standard OpenTelemetry variables this processor reads (others, like the sampler argument, are placeholders). */
    public static final List<String> VARIABLES = List.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "OTEL_SDK_DISABLED");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new HashMap<>();
        String base = environment.getProperty("OTEL_EXPORTER_OTLP_ENDPOINT");
        signal(
                environment,
                defaults,
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                base,
                "/v1/traces",
                ENDPOINT,
                TRACING_EXPORT_ENABLED);
        signal(
                environment,
                defaults,
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                base,
                "/v1/metrics",
                METRICS_URL,
                METRICS_EXPORT_ENABLED);
        if ("true".equalsIgnoreCase(environment.getProperty("OTEL_SDK_DISABLED"))) {
            defaults.put("management.tracing.enabled", "false");
            defaults.put(TRACING_EXPORT_ENABLED, "false");
            defaults.put(METRICS_EXPORT_ENABLED, "false");
        }
        if (!defaults.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource("dualcoreOtelEnvironment", defaults));
        }
    }

    /**
     * One signal's endpoint: its own variable, else the base endpoint with the signal's path, else the Spring
     * property; none of them: that signal's export is switched off (a default, so an explicit setting still wins).
     */
    private static void signal(
            ConfigurableEnvironment environment,
            Map<String, Object> defaults,
            String variable,
            String base,
            String path,
            String property,
            String enabledProperty) {
        String own = environment.getProperty(variable);
        if (StringUtils.hasText(own)) {
            defaults.put(property, own);
        } else if (StringUtils.hasText(base)) {
            defaults.put(property, base.replaceAll("/+$", "") + path);
        } else if (!StringUtils.hasText(environment.getProperty(property))) {
            defaults.put(enabledProperty, "false");
        }
    }
}
