package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

class OtelEnvironmentPostProcessorTests {

    private final OtelEnvironmentPostProcessor processor = new OtelEnvironmentPostProcessor();

    @Test
    void postProcessWhenTracesEndpointSetThenExportsThere() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")
                .withProperty("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.ENDPOINT))
                .isEqualTo("http://collector:4318/v1/traces");
    }

    @Test
    void postProcessWhenBaseEndpointSetThenAppendsTracesPath() {
        MockEnvironment environment =
                new MockEnvironment().withProperty("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.ENDPOINT))
                .isEqualTo("http://c:4318/v1/traces");
        assertThat(environment.getProperty("management.tracing.export.otlp.enabled"))
                .isNull();
    }

    @Test
    void postProcessWhenNoEndpointAnywhereThenTracesAndMetricsExportOff() {
        MockEnvironment environment = new MockEnvironment();
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("management.tracing.export.otlp.enabled"))
                .isEqualTo("false");
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.ENDPOINT))
                .isNull();
        assertThat(environment.getProperty("management.otlp.metrics.export.enabled"))
                .isEqualTo("false");
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.METRICS_URL))
                .isNull();
    }

    @Test
    void postProcessWhenBaseEndpointSetThenMetricsExportedUnderMetricsPath() {
        MockEnvironment environment =
                new MockEnvironment().withProperty("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.METRICS_URL))
                .isEqualTo("http://c:4318/v1/metrics");
        assertThat(environment.getProperty("management.otlp.metrics.export.enabled"))
                .isNull();
    }

    @Test
    void postProcessWhenOnlyMetricsEndpointSetThenMetricsOnlyExported() {
        MockEnvironment environment =
                new MockEnvironment().withProperty("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:4318/v1/metrics");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.METRICS_URL))
                .isEqualTo("http://m:4318/v1/metrics");
        assertThat(environment.getProperty("management.otlp.metrics.export.enabled"))
                .isNull();
        assertThat(environment.getProperty("management.tracing.export.otlp.enabled"))
                .isEqualTo("false");
    }

    @Test
    void postProcessWhenMetricsUrlPropertySetThenMetricsExportStaysOn() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty(OtelEnvironmentPostProcessor.METRICS_URL, "http://explicit:4318/v1/metrics");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("management.otlp.metrics.export.enabled"))
                .isNull();
    }

    @Test
    void postProcessWhenSpringPropertySetThenItWins() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty(OtelEnvironmentPostProcessor.ENDPOINT, "http://explicit:4318/v1/traces")
                .withProperty("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(OtelEnvironmentPostProcessor.ENDPOINT))
                .isEqualTo("http://explicit:4318/v1/traces");
    }

    @Test
    void postProcessWhenSdkDisabledThenTracingOff() {
        MockEnvironment environment = new MockEnvironment().withProperty("OTEL_SDK_DISABLED", "true");
        this.processor.postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("management.tracing.enabled")).isEqualTo("false");
        assertThat(environment.getProperty("management.otlp.metrics.export.enabled"))
                .isEqualTo("false");
    }
}
