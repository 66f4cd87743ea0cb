package dualcore.bench.apps;

import java.util.Map;
import org.springframework.boot.SpringApplication;

/**
 * What every benchmark-only Spring Cloud Gateway application of {@code bench/compare.sh} shares: one {@code Path=/**}
 * route to the bench backend, declared as properties like the gateway's own routes, so each compared application
 * matches routes the same way.
 *
 * <p>These applications live outside {@code io.dualcore.gateway} so that neither the gateway's component scan nor
 * its architecture tests ever see them; each scans only its own package.
 */
public final class BenchRoutes {

    /** The backend every route forwards to; {@code bench/compare.sh} sets it to its nginx backend. */
    public static final String UPSTREAM_PROPERTY = "bench.upstream-uri";

    private BenchRoutes() {}

    /** A {@link SpringApplication} with the one catch-all route as default properties (command line wins). */
    public static SpringApplication application(Class<?> source) {
        SpringApplication application = new SpringApplication(source);
        application.setDefaultProperties(Map.of(
                "spring.cloud.gateway.server.webflux.routes[0].id", "bench",
                "spring.cloud.gateway.server.webflux.routes[0].uri", "${" + UPSTREAM_PROPERTY + "}",
                "spring.cloud.gateway.server.webflux.routes[0].predicates[0]", "Path=/**"));
        return application;
    }
}
