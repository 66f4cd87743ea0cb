package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.introspection.IntrospectionMeters;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.auth.introspection.TokenIntrospector;
import io.dualcore.gateway.auth.oidc.IssuerMeters;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import io.dualcore.gateway.telemetry.AuditLog;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.telemetry.RateLimitHealthIndicator;
import io.dualcore.gateway.telemetry.RouteRequestTimers;
import io.dualcore.gateway.telemetry.ServerSpanWebFilter;
import io.dualcore.gateway.telemetry.TelemetryProperties;
import io.dualcore.gateway.telemetry.TraceContextHeadersFilter;
import io.dualcore.gateway.telemetry.TracePropagation;
import io.dualcore.gateway.web.ConnectionLimits;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.cloud.gateway.filter.GatewayMetricsFilter;
import org.springframework.cloud.gateway.support.tagsprovider.GatewayTagsProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/** Spans, metrics, the audit log and readiness for authentication and rate limits. */
@Configuration(proxyBeanMethods = false)
@Import(VerificationModesConfiguration.class)
public class TelemetryConfiguration {

    /** The instrumentation scope of the gateway's own spans. */
    public static final String INSTRUMENTATION_SCOPE = "io.dualcore.gateway";

    /**
     * Spring Cloud Gateway's {@code GatewayMetricsFilter} (its exact class) replaced by {@link RouteRequestTimers}
     * (the same timer, tags and timing, each timer looked up once per tag combination) when every tags provider is
     * Spring Cloud Gateway's own; with any other provider, and with {@code metrics.enabled=false}, as the stock one.
     */
    @Bean
    static BeanPostProcessor routeRequestTimersReplacement(
            ObjectProvider<MeterRegistry> registry, ObjectProvider<GatewayTagsProvider> tagsProviders) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean.getClass() != GatewayMetricsFilter.class) {
                    return bean;
                }
                List<GatewayTagsProvider> providers =
                        tagsProviders.orderedStream().toList();
                MeterRegistry meters = registry.getIfUnique();
                if (meters == null || !RouteRequestTimers.appliesTo(providers)) {
                    return bean;
                }
                return new RouteRequestTimers(meters, providers, ((GatewayMetricsFilter) bean).getMetricsPrefix());
            }
        };
    }

    @Bean
    Tracer dualcoreTracer(ObjectProvider<OpenTelemetry> openTelemetry) {
        return openTelemetry.getIfAvailable(OpenTelemetry::noop).getTracer(INSTRUMENTATION_SCOPE);
    }

    /**
     * The gateway traces each request with its own server span; Spring's observation of the HTTP server would be a
     * second one, and it cost more than the whole gateway pipeline (README "Traces").
     */
    @Bean
    WebHttpHandlerBuilderCustomizer uninstrumentedHttpHandler() {
        return builder -> builder.observationRegistry(ObservationRegistry.NOOP);
    }

    /** The client's and the upstream's trace context: the application's propagators, as Boot configures them. */
    @Bean
    TracePropagation tracePropagation(
            ObjectProvider<OpenTelemetry> openTelemetry, ObjectProvider<TracingProperties> tracingProperties) {
        TextMapPropagator propagator = openTelemetry
                .getIfAvailable(OpenTelemetry::noop)
                .getPropagators()
                .getTextMapPropagator();
        return TracePropagation.of(propagator, tracingProperties.getIfAvailable());
    }

    @Bean
    ServerSpanWebFilter serverSpanWebFilter(
            Tracer dualcoreTracer, TracePropagation tracePropagation, ApplicationContext context) {
        return new ServerSpanWebFilter(dualcoreTracer, tracePropagation, context);
    }

    @Bean
    TraceContextHeadersFilter traceContextHeadersFilter(TracePropagation tracePropagation) {
        return new TraceContextHeadersFilter(tracePropagation);
    }

    @Bean(destroyMethod = "close")
    AuditLog auditLog(TelemetryProperties properties, Environment environment) {
        boolean jsonCustomized = Binder.get(environment)
                .bind("logging.structured.json", Bindable.mapOf(String.class, Object.class))
                .isBound();
        return AuditLog.forConsole(
                properties.auditAllowed(),
                properties.auditQueueCapacity(),
                properties.auditDenialWait(),
                jsonCustomized);
    }

    @Bean
    GatewayTelemetry gatewayTelemetry(
            Tracer dualcoreTracer,
            MeterRegistry meterRegistry,
            AuditLog auditLog,
            TelemetryProperties properties,
            VerificationModes verificationModes) {
        return new GatewayTelemetry(
                dualcoreTracer,
                meterRegistry,
                auditLog,
                properties.subjectInSpans(),
                verificationModes,
                Set.of(EdgeVerificationMode.MODE));
    }

    /** The per-issuer JWKS and UserInfo meters of the configuration in force (followed on each applied reload). */
    @Bean
    IssuerMeters issuerMeters(MeterRegistry meterRegistry, VerifierChains verifierChains, Clock clock) {
        return new IssuerMeters(meterRegistry, verifierChains::current, clock);
    }

    /**
     * The per-issuer introspection meters of the configuration in force (followed on each applied reload); the startup
     * clients without a live configuration.
     */
    @Bean
    IntrospectionMeters introspectionMeters(
            MeterRegistry meterRegistry,
            ObjectProvider<LiveConfiguration> liveConfiguration,
            ObjectProvider<Introspections> startupIntrospections) {
        Supplier<Collection<TokenIntrospector>> introspectors = () -> {
            LiveConfiguration live = liveConfiguration.getIfAvailable();
            RequestChecks checks = (live != null) ? live.current().checks() : null;
            Introspections introspections =
                    (checks != null) ? checks.introspections() : startupIntrospections.getIfAvailable();
            return (introspections != null) ? introspections.introspectors().values() : List.of();
        };
        return new IntrospectionMeters(meterRegistry, introspectors);
    }

    @Bean
    MeterBinder auditMeters(AuditLog auditLog) {
        return registry -> {
            FunctionCounter.builder("dualcore.audit.dropped", auditLog, AuditLog::droppedAllowed)
                    .tag("outcome", "allowed")
                    .description("Audit events dropped because the writer could not keep up")
                    .register(registry);
            FunctionCounter.builder("dualcore.audit.dropped", auditLog, AuditLog::droppedDenied)
                    .tag("outcome", "denied")
                    .description("Audit events of denials dropped after the bounded wait for room")
                    .register(registry);
            Gauge.builder("dualcore.audit.pending", auditLog, AuditLog::pending)
                    .description("Audit events queued and not yet written")
                    .register(registry);
        };
    }

    @Bean
    MeterBinder authenticationMeters(TokenAuthenticator authenticator) {
        return registry -> {
            FunctionCounter.builder("dualcore.auth.cache", authenticator, TokenAuthenticator::cacheHits)
                    .tag("result", "hit")
                    .description("Requests served from the verified-token cache")
                    .register(registry);
            FunctionCounter.builder("dualcore.auth.cache", authenticator, TokenAuthenticator::cacheMisses)
                    .tag("result", "miss")
                    .description("Requests whose token had to be verified")
                    .register(registry);
        };
    }

    /** Open connections and connections closed by a limit, of the gateway and the management port. */
    @Bean
    MeterBinder connectionMeters(List<ConnectionLimits> connectionLimits) {
        return registry -> {
            for (ConnectionLimits limits : connectionLimits) {
                Gauge.builder("dualcore.connections.open", limits, ConnectionLimits::open)
                        .tag("server", limits.server())
                        .description("Connections open now")
                        .register(registry);
                for (ConnectionLimits.CloseReason reason : ConnectionLimits.CloseReason.values()) {
                    FunctionCounter.builder("dualcore.connections.closed", limits, l -> l.closedCount(reason))
                            .tags("server", limits.server(), "reason", reason.tag())
                            .description("Connections the gateway closed: a limit, a timeout, an unparseable request")
                            .register(registry);
                }
            }
        };
    }

    @Bean
    MeterBinder rateLimitMeters(RateLimiter rateLimiter) {
        return registry -> {
            if (rateLimiter instanceof ResilientRateLimiter resilient) {
                Gauge.builder("dualcore.ratelimit.degraded", resilient, r -> r.degraded() ? 1 : 0)
                        .description("1 while Redis is skipped and plans apply their failure policy")
                        .register(registry);
            }
        };
    }

    @Bean
    RateLimitHealthIndicator rateLimitHealthIndicator(RateLimiter rateLimiter) {
        return new RateLimitHealthIndicator(rateLimiter);
    }
}
