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
 * Honours the standard OpenTelemetry environment variables for export: {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT},
 * or {@code OTEL_EXPORTER_OTLP_ENDPOINT} (+ {@code /v1/traces}), and {@code OTEL_SDK_DISABLED}. With no endpoint
 * anywhere, OTLP export is off rather than aimed at a collector that is not there. Explicit Spring properties win.
 */
public final class OtelEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

    /** The standard OpenTelemetry variables this processor reads (others, like the sampler argument, are placeholders). */
    public static final List<String> VARIABLES =
            List.of("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new HashMap<>();
        String traces = environment.getProperty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        String base = environment.getProperty("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (StringUtils.hasText(traces)) {
            defaults.put(ENDPOINT, traces);
        } else if (StringUtils.hasText(base)) {
            defaults.put(ENDPOINT, base.replaceAll("/+$", "") + "/v1/traces");
        } else if (!StringUtils.hasText(environment.getProperty(ENDPOINT))) {
            defaults.put("management.tracing.export.otlp.enabled", "false");
        }
        if ("true".equalsIgnoreCase(environment.getProperty("OTEL_SDK_DISABLED"))) {
            defaults.put("management.tracing.enabled", "false");
        }
        if (!defaults.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource("dualcoreOtelEnvironment", defaults));
        }
    }
}
