package io.dualcore.bench.bare;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A bare Spring Cloud Gateway for the end-to-end benchmark ({@code bench/e2e.sh}): the same dependencies, the same
 * {@code config/application.yml} routes and auto-configuration, but none of Dualcore's filters or configuration. Its
 * component scan covers this package only, outside the gateway's root package, so nothing of {@code io.dualcore.gateway.*} is loaded (and the gateway's own scans never see it); the
 * {@code dualcore.*} properties are present but bound by nobody.
 */
@SpringBootApplication
public class BareGatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(BareGatewayApplication.class, args);
    }
}
