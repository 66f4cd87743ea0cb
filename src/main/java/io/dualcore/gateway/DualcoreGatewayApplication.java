package io.dualcore.gateway;

import io.dualcore.gateway.cli.GatewayCli;
import io.dualcore.gateway.web.EventLoops;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class DualcoreGatewayApplication {

    public static void main(String[] args) {
        // an admin command (keys, token, config, realm) runs without a web server or a Spring context
        if (GatewayCli.isCommand(args)) {
            GatewayCli.main(args);
            return;
        }
        // one event loop per available processor, before Reactor Netty creates its loops (README "Event loops")
        EventLoops.defaultToOnePerProcessor(
                System.getProperties(), Runtime.getRuntime().availableProcessors());
        SpringApplication.run(DualcoreGatewayApplication.class, args);
    }
}
