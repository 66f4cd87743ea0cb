package io.dualcore.gateway.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Demo profile settings: the two echo upstreams started inside the gateway process.
 *
 * @param microserviceCorePort port of the demo microservice core (0 picks a free port)
 * @param edgeCorePort port of the demo edge core (0 picks a free port)
 */
@ConfigurationProperties("dualcore.demo")
public record DemoProperties(
        @DefaultValue("9001") int microserviceCorePort,
        @DefaultValue("9002") int edgeCorePort) {}
