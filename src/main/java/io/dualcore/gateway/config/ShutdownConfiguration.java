package io.dualcore.gateway.config;

import io.dualcore.gateway.web.ShutdownDrain;
import io.dualcore.gateway.web.ShutdownProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Graceful shutdown: readiness DOWN, a drain period, then the web server's own graceful stop. */
@Configuration(proxyBeanMethods = false)
public class ShutdownConfiguration {

    @Bean
    ShutdownDrain shutdownDrain(ShutdownProperties properties, ApplicationEventPublisher events) {
        return new ShutdownDrain(properties.drain(), events);
    }
}
