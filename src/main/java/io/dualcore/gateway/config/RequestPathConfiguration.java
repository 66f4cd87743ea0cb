package io.dualcore.gateway.config;

import io.dualcore.gateway.web.CanonicalUpstreamUrlFilter;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import org.springframework.beans.factory.ObjectProvider;
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

    @Bean
    CanonicalUpstreamUrlFilter canonicalUpstreamUrlFilter() {
        return new CanonicalUpstreamUrlFilter();
    }
}
