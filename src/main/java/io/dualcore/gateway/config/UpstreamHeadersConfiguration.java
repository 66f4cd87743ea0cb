package io.dualcore.gateway.config;

import io.dualcore.gateway.web.HopByHopHeadersFilter;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Cloud Gateway's hop-by-hop header filter, as its settings bound it, replaced by
 * {@link HopByHopHeadersFilter}: the same headers removed, for less work per request. Spring Cloud Gateway declares
 * its filter unconditionally, so the bean is replaced after its initialization (its
 * {@code spring.cloud.gateway.server.webflux.filter.remove-hop-by-hop.*} settings already bound), not overridden.
 */
@Configuration(proxyBeanMethods = false)
public class UpstreamHeadersConfiguration {

    @Bean
    static BeanPostProcessor hopByHopHeadersFilterReplacement() {
        return new HopByHopReplacement();
    }

    /** Replaces the stock filter (its exact class, not a subclass someone declared on purpose). */
    static final class HopByHopReplacement implements BeanPostProcessor {

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            return (bean.getClass() == RemoveHopByHopHeadersFilter.class)
                    ? HopByHopHeadersFilter.of((RemoveHopByHopHeadersFilter) bean)
                    : bean;
        }
    }
}
