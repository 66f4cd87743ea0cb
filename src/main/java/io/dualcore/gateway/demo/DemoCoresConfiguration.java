package io.dualcore.gateway.demo;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/** Starts the demo microservice core and edge core next to the gateway, in the {@code demo} profile only. */
@Configuration(proxyBeanMethods = false)
@Profile("demo")
class DemoCoresConfiguration {

    @Bean(destroyMethod = "close")
    EchoCore demoMicroserviceCore(DemoProperties properties) {
        return EchoCore.start("microservice-core", "127.0.0.1", properties.microserviceCorePort());
    }

    @Bean(destroyMethod = "close")
    EchoCore demoEdgeCore(DemoProperties properties) {
        return EchoCore.start("edge-core", "127.0.0.1", properties.edgeCorePort());
    }
}
