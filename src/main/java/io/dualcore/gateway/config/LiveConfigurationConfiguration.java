package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.VerifierChains;
import io.dualcore.gateway.auth.oidc.IssuerMeters;
import io.dualcore.gateway.live.ActiveConfigurationWebFilter;
import io.dualcore.gateway.live.ConfigFileWatcher;
import io.dualcore.gateway.live.ConfigurationCompiler;
import io.dualcore.gateway.live.ConfigurationReloader;
import io.dualcore.gateway.live.ConfigurationSources;
import io.dualcore.gateway.live.LiveConfiguration;
import io.dualcore.gateway.live.LiveRouteLocator;
import io.dualcore.gateway.live.ReloadObserver;
import io.dualcore.gateway.live.ReloadProperties;
import io.dualcore.gateway.telemetry.ConfigurationHealthIndicator;
import io.dualcore.gateway.telemetry.ConfigurationReloadTelemetry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The active configuration (routes, policies, plans, issuers) as one swappable object, Spring Cloud Gateway's route locator
 * over it, and its reloads: the watched configuration files and the admin request (README "Live configuration
 * reload").
 */
@Configuration(proxyBeanMethods = false)
@Import(VerificationModesConfiguration.class)
public class LiveConfigurationConfiguration {

    @Bean
    ConfigurationCompiler configurationCompiler(
            List<RoutePredicateFactory> predicates,
            List<GatewayFilterFactory> filters,
            ConfigurationService gatewayConfigurationService,
            Clock clock,
            VerificationModes verificationModes,
            ObjectProvider<VerifierChains> verifierChains) {
        return new ConfigurationCompiler(
                predicates,
                filters,
                gatewayConfigurationService,
                clock,
                verificationModes,
                verifierChains.getIfAvailable());
    }

    @Bean
    ConfigurationSources configurationSources(ConfigurableEnvironment environment) {
        return new ConfigurationSources(environment);
    }

    /** The configuration the process starts with, compiled by the same checks as every reload. */
    @Bean
    LiveConfiguration liveConfiguration(ConfigurationCompiler compiler, ConfigurableEnvironment environment) {
        LiveConfiguration live = new LiveConfiguration(compiler.compile(environment, null));
        compiler.applied(live.current());
        return live;
    }

    @Bean
    ActiveConfigurationWebFilter activeConfigurationWebFilter(LiveConfiguration live) {
        return new ActiveConfigurationWebFilter(live);
    }

    /** Replaces Spring Cloud Gateway's caching locator (same bean name): routes come from the active configuration. */
    @Bean
    @Primary
    RouteLocator cachedCompositeRouteLocator(LiveConfiguration live, ObjectProvider<RouteLocator> locators) {
        // the application's own RouteLocator beans (Java DSL), not this one nor the configured definitions' locator
        RouteLocator[] self = new RouteLocator[1];
        self[0] = new LiveRouteLocator(
                live,
                () -> locators.orderedStream()
                        .filter(locator -> locator != self[0] && !(locator instanceof RouteDefinitionRouteLocator))
                        .toList());
        return self[0];
    }

    @Bean
    ReloadObserver reloadObserver(
            ObjectProvider<MeterRegistry> meters, LiveConfiguration live, ObjectProvider<IssuerMeters> issuerMeters) {
        MeterRegistry registry = meters.getIfAvailable();
        IssuerMeters issuers = issuerMeters.getIfAvailable();
        Runnable afterApplied = (issuers != null) ? issuers::bind : () -> {};
        return (registry != null)
                ? new ConfigurationReloadTelemetry(registry, live, afterApplied)
                : ReloadObserver.NONE;
    }

    @Bean
    ConfigurationReloader configurationReloader(
            ConfigurationSources sources,
            ConfigurationCompiler compiler,
            LiveConfiguration live,
            ReloadObserver reloadObserver,
            ApplicationEventPublisher events,
            Clock clock) {
        return new ConfigurationReloader(sources, compiler, live, reloadObserver, events, clock);
    }

    /** Off with {@code dualcore.reload.watch=false}: then only the admin request reloads. */
    @Bean(destroyMethod = "close")
    @ConditionalOnBooleanProperty(name = "dualcore.reload.watch", matchIfMissing = true)
    ConfigFileWatcher configFileWatcher(
            ConfigurationSources sources, ConfigurationReloader reloader, ReloadProperties properties) {
        ConfigFileWatcher watcher = new ConfigFileWatcher(
                sources.directories(),
                () -> reloader.reload(ConfigurationReloader.FILE_WATCH),
                properties.debounce(),
                properties.rescan());
        watcher.start();
        return watcher;
    }

    @Bean
    ConfigurationHealthIndicator configurationHealthIndicator(LiveConfiguration live) {
        return new ConfigurationHealthIndicator(live);
    }
}
