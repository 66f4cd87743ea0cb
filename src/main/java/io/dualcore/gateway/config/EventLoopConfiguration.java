package io.dualcore.gateway.config;

import io.dualcore.gateway.web.EventLoops;
import io.dualcore.gateway.web.TransportInfoContributor;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Reports the network transport and the event-loop count once the gateway is ready, and in
 * {@code /actuator/info} (README "Event loops and network transport"). */
@Configuration(proxyBeanMethods = false)
public class EventLoopConfiguration {

    @Bean
    ApplicationListener<ApplicationReadyEvent> eventLoopsReport() {
        return event -> EventLoops.logTransport();
    }

    @Bean
    TransportInfoContributor transportInfoContributor() {
        return new TransportInfoContributor(EventLoops::current);
    }
}
