package io.dualcore.gateway.config;

import io.dualcore.gateway.web.ConnectionLimits;
import io.dualcore.gateway.web.ConnectionLimitsCustomizer;
import io.dualcore.gateway.web.ConnectionProperties;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Connection limits and timeouts of the gateway port (README "Connection limits"); the management port's are wired
 * by {@link ManagementConnectionConfiguration} in the management server's own context. Both servers' counts live
 * here, where telemetry reads them.
 */
@Configuration(proxyBeanMethods = false)
public class ConnectionConfiguration {

    /** The management server's context looks this bean up by name in its parent. */
    static final String MANAGEMENT_CONNECTION_LIMITS = "managementConnectionLimits";

    @Bean
    ConnectionLimits gatewayConnectionLimits(ConnectionProperties properties) {
        return new ConnectionLimits("gateway", properties.maxConnections());
    }

    @Bean(MANAGEMENT_CONNECTION_LIMITS)
    ConnectionLimits managementConnectionLimits(ConnectionProperties properties) {
        return new ConnectionLimits("management", properties.managementMaxConnections());
    }

    /**
     * A factory customizer, not a {@code NettyServerCustomizer} bean: the management server's context would pick
     * such a bean up from this one too, and count its connections against the gateway port's limit.
     */
    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> gatewayConnectionLimitsCustomizer(
            ConnectionProperties properties,
            @Qualifier("gatewayConnectionLimits") ConnectionLimits limits,
            ProblemResponses problemResponses) {
        return factory ->
                factory.addServerCustomizers(new ConnectionLimitsCustomizer(properties, limits, problemResponses));
    }
}
