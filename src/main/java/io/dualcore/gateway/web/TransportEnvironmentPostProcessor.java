package io.dualcore.gateway.web;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Applies {@code dualcore.transport} once the configuration is read and before any server or client creates its event
 * loops (they are process-wide, so no bean could still change them). An unavailable explicit transport fails the
 * start.
 */
public final class TransportEnvironmentPostProcessor implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        NetworkTransport requested = Binder.get(environment)
                .bind(EventLoops.TRANSPORT_PROPERTY, NetworkTransport.class)
                .orElse(NetworkTransport.AUTO);
        EventLoops.apply(requested);
    }
}
