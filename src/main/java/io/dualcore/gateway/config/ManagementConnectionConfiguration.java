package io.dualcore.gateway.config;

import io.dualcore.gateway.web.ConnectionLimits;
import io.dualcore.gateway.web.ConnectionLimitsCustomizer;
import io.dualcore.gateway.web.ConnectionProperties;
import io.dualcore.gateway.web.ProblemResponses;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The management port's connection limits (README "Connection limits"): the gateway port's timeouts, its own
 * maximum ({@code management-max-connections}), counted apart from the gateway port. Loaded into the management
 * server's child context through {@code META-INF/spring/...ManagementContextConfiguration.imports}.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@Conditional(ManagementConnectionConfiguration.InManagementContext.class)
public class ManagementConnectionConfiguration {

    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> managementConnectionLimitsCustomizer(
            ConnectionProperties properties,
            @Qualifier(ConnectionConfiguration.MANAGEMENT_CONNECTION_LIMITS) ConnectionLimits limits,
            ProblemResponses problemResponses) {
        return factory ->
                factory.addServerCustomizers(new ConnectionLimitsCustomizer(properties, limits, problemResponses));
    }

    /**
     * Only in the management server's context, a child of the gateway's: component scanning finds this class too, and
     * in the gateway's own context it would give the gateway port the management port's limit.
     */
    static final class InManagementContext implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            BeanFactory parent = (context.getBeanFactory() != null)
                    ? context.getBeanFactory().getParentBeanFactory()
                    : null;
            return parent != null && parent.containsBean(ConnectionConfiguration.MANAGEMENT_CONNECTION_LIMITS);
        }
    }
}
