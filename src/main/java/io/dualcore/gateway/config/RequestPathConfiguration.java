package io.dualcore.gateway.config;

import io.dualcore.gateway.web.CanonicalUpstreamUrlFilter;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The canonical request path and request-target checks, in front of route matching. */
@Configuration(proxyBeanMethods = false)
public class RequestPathConfiguration {

    @Bean
    PathCanonicalizer pathCanonicalizer(RequestPathProperties properties) {
        return new PathCanonicalizer(properties);
    }

    @Bean
    RequestPathWebFilter requestPathWebFilter(
            PathCanonicalizer pathCanonicalizer,
            RequestPathProperties properties,
            ProblemResponses problemResponses,
            ObjectProvider<RequestPathWebFilter.RefusalObserver> observer) {
        return new RequestPathWebFilter(
                pathCanonicalizer,
                properties,
                problemResponses,
                observer.getIfAvailable(() -> RequestPathWebFilter.RefusalObserver.NONE));
    }

    /**
     * Spring Cloud Gateway's {@code RouteToRequestUrlFilter} (its exact class, not a subclass someone declared on
     * purpose) replaced by the one that keeps the request's raw path and query; switched off with Spring Cloud
     * Gateway's own {@code global-filter.route-to-request-url.enabled}, as the stock one.
     */
    @Bean
    static BeanPostProcessor canonicalUpstreamUrlFilterReplacement() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                return (bean.getClass() == RouteToRequestUrlFilter.class) ? new CanonicalUpstreamUrlFilter() : bean;
            }
        };
    }
}
