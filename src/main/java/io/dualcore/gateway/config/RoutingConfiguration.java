package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.live.LiveRouteLocator;
import io.dualcore.gateway.route.ClaimRoutePredicateFactory;
import io.dualcore.gateway.route.FirstRouteHandlerMapping;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import io.dualcore.gateway.route.RealmRoutePredicateFactory;
import java.util.List;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.accept.ApiVersionStrategy;
import org.springframework.web.server.ServerWebExchange;

/**
 * Identity-aware route predicates ({@code Mode=}, {@code Realm=}, {@code Claim=}) for Spring Cloud Gateway route
 * definitions; they read the identity the authentication web filter verified before route matching.
 */
@Configuration(proxyBeanMethods = false)
@Import(VerificationModesConfiguration.class)
public class RoutingConfiguration {

    @Bean
    ModeRoutePredicateFactory modeRoutePredicateFactory(VerificationModes verificationModes) {
        return new ModeRoutePredicateFactory(verificationModes);
    }

    @Bean
    RealmRoutePredicateFactory realmRoutePredicateFactory() {
        return new RealmRoutePredicateFactory();
    }

    @Bean
    ClaimRoutePredicateFactory claimRoutePredicateFactory() {
        return new ClaimRoutePredicateFactory();
    }

    /**
     * Spring Cloud Gateway's handler mapping (it backs off for this one), with the route look-up that reads each
     * predicate's answer where it is known instead of a Reactor pipeline per route; the routes of the request's pinned
     * configuration.
     */
    @Bean
    RoutePredicateHandlerMapping routePredicateHandlerMapping(
            FilteringWebHandler webHandler,
            RouteLocator routeLocator,
            GlobalCorsProperties globalCorsProperties,
            Environment environment,
            ObjectProvider<ApiVersionStrategy> apiVersionStrategy) {
        Function<ServerWebExchange, List<Route>> routes =
                (routeLocator instanceof LiveRouteLocator live) ? live::routes : exchange -> null;
        FirstRouteHandlerMapping mapping =
                new FirstRouteHandlerMapping(webHandler, routeLocator, globalCorsProperties, environment, routes);
        apiVersionStrategy.ifAvailable(mapping::setApiVersionStrategy);
        return mapping;
    }
}
