package io.dualcore.gateway.config;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns Spring Cloud Gateway's {@code JsonToGrpc} filter off by default (a configuration can still turn it on): the
 * ext_authz door brings grpc-java onto the classpath, and the filter's auto-configuration, seeing it, would need the
 * unshaded {@code grpc-netty} the gateway does not ship (it uses {@code grpc-netty-shaded}, so grpc-java's Netty
 * never meets the gateway's pinned one). No route of the gateway uses that filter.
 */
public final class GrpcDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String JSON_TO_GRPC_ENABLED = "spring.cloud.gateway.server.webflux.filter.json-to-grpc.enabled";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment
                .getPropertySources()
                .addLast(new MapPropertySource("dualcoreGrpcDefaults", Map.of(JSON_TO_GRPC_ENABLED, "false")));
    }
}
