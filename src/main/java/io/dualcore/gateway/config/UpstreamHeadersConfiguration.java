package io.dualcore.gateway.config;

import io.dualcore.gateway.web.ForwardedHeadersRemovalFilter;
import io.dualcore.gateway.web.HopByHopHeadersFilter;
import io.dualcore.gateway.web.XForwardedHeadersRemovalFilter;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Cloud Gateway's request header filters that copy the headers (hop-by-hop removal, and, with no trusted
 * proxy, {@code Forwarded} and {@code X-Forwarded-*} removal) replaced by equivalents with the same result, order and
 * settings, for less work per request: {@link HopByHopHeadersFilter}, {@link ForwardedHeadersRemovalFilter},
 * {@link XForwardedHeadersRemovalFilter}. Spring Cloud Gateway declares them without a condition on a missing bean,
 * so each bean is replaced after its initialization (the hop-by-hop filter's
 * {@code spring.cloud.gateway.server.webflux.filter.remove-hop-by-hop.*} settings already bound), not overridden;
 * a filter that trusted proxies turn into {@code Forwarded}/{@code X-Forwarded-*} writers is left as it is.
 */
@Configuration(proxyBeanMethods = false)
public class UpstreamHeadersConfiguration {

    @Bean
    static BeanPostProcessor upstreamHeaderFiltersReplacement() {
        return new HeaderFiltersReplacement();
    }

    /** Replaces the stock filters (their exact classes, not a subclass someone declared on purpose). */
    static final class HeaderFiltersReplacement implements BeanPostProcessor {

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            Class<?> type = bean.getClass();
            if (type == RemoveHopByHopHeadersFilter.class) {
                return HopByHopHeadersFilter.of((RemoveHopByHopHeadersFilter) bean);
            }
            if (type == RemoveForwardedHeadersFilter.class) {
                return new ForwardedHeadersRemovalFilter();
            }
            if (type == RemoveXForwardedHeadersFilter.class) {
                return new XForwardedHeadersRemovalFilter();
            }
            return bean;
        }
    }
}
