package dualcore.bench.apps.bare;

import dualcore.bench.apps.BenchRoutes;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The reference of {@code bench/compare.sh}: a bare Spring Cloud Gateway, one {@code Path=/**} route, no security.
 * The script starts it on a classpath without Spring Boot's actuator, metrics and tracing modules, so it is what
 * {@code spring-cloud-starter-gateway-server-webflux} alone gives.
 */
@SpringBootApplication
public class BareRouteApplication {

    public static void main(String[] args) {
        BenchRoutes.application(BareRouteApplication.class).run(args);
    }
}
