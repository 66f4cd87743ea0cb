package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.edge.ReloadableEdgeKeyRing;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics of the edge key ring: its version and the outcome of key-directory reloads (its readiness is the edge
 * mode's health, {@link VerificationModesConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
public class EdgeKeyRingTelemetryConfiguration {

    @Bean
    MeterBinder edgeKeyRingMeters(ObjectProvider<ReloadableEdgeKeyRing> edgeKeyRing) {
        return registry -> {
            ReloadableEdgeKeyRing ring = edgeKeyRing.getIfAvailable();
            if (ring == null) {
                return;
            }
            FunctionCounter.builder("dualcore.edge.keys.reloads", ring, ReloadableEdgeKeyRing::successCount)
                    .tag("result", "accepted")
                    .description("Edge key ring loads and reloads accepted (the startup load included)")
                    .register(registry);
            FunctionCounter.builder("dualcore.edge.keys.reloads", ring, ReloadableEdgeKeyRing::refusalCount)
                    .tag("result", "refused")
                    .description("Key-directory changes refused (the previous ring stayed in force)")
                    .register(registry);
            Gauge.builder("dualcore.edge.keys.version", ring, ReloadableEdgeKeyRing::version)
                    .description("Version of the edge key ring in force")
                    .register(registry);
            Gauge.builder("dualcore.edge.keys", ring, r -> r.get().keyIds().size())
                    .description("Keys in the edge key ring in force")
                    .register(registry);
        };
    }
}
