package io.dualcore.gateway.proxy;

import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationContext;
import reactor.core.publisher.Flux;

/** The proxy door's filters over an engine whose authentication step is the one under test. */
final class ProxyDoors {

    private ProxyDoors() {}

    static AuthenticationWebFilter authenticationFilter(
            TokenAuthenticator authenticator,
            Predicate<String> reservedHeader,
            ProblemResponses errors,
            AuthenticationObserver observer,
            ApplicationContext gatewayContext,
            Set<String> anonymousPaths,
            DpopBinding dpop) {
        RouteLocator routes = mock(RouteLocator.class);
        given(routes.getRoutes()).willReturn(Flux.empty());
        DecisionEngine engine = new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                authenticator,
                reservedHeader,
                routes,
                mock(CompiledRoutes.class),
                mock(RateLimiter.class),
                mock(RateLimitHeaders.class),
                new IdentityHeaders("X-Auth-"),
                mock(IdentityAssertionSigner.class),
                new DecisionEngine.Observers(
                        RequestPathWebFilter.RefusalObserver.NONE, observer, PipelineObserver.NONE),
                dpop);
        return new AuthenticationWebFilter(engine, errors, gatewayContext, anonymousPaths);
    }
}
