package io.dualcore.gateway.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Flux;

/**
 * A decision door's credentials come from the request it describes (the original request's {@code Authorization} and
 * {@code DPoP}, as the proxy forwards them), never from the door's own request carrying the description (the auth
 * sub-request, the gRPC call) where the two differ. No route is configured: a request past authentication ends as
 * {@code no_route}, with its identity recorded.
 */
class DecisionEngineDescribedRequestTests {

    private final TestChain chain = TestChain.create();

    private final DecisionEngine engine = engine();

    private DecisionEngine engine() {
        RouteLocator routes = mock(RouteLocator.class);
        given(routes.getRoutes()).willReturn(Flux.empty());
        return new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                this.chain.authenticator,
                routes,
                mock(CompiledRoutes.class),
                mock(RateLimiter.class),
                mock(RateLimitHeaders.class),
                new IdentityHeaders("X-Auth-"),
                mock(IdentityAssertionSigner.class),
                new DecisionEngine.Observers(
                        RequestPathWebFilter.RefusalObserver.NONE, AuthenticationObserver.NONE, PipelineObserver.NONE));
    }

    private Decision decide(String carrierAuthorization, String describedAuthorization) {
        MockServerHttpRequest.BaseBuilder<?> carrier = MockServerHttpRequest.get("http://decisions.test/nginx");
        if (carrierAuthorization != null) {
            carrier.header(HttpHeaders.AUTHORIZATION, carrierAuthorization).header(DpopBinding.HEADER, "carrier-proof");
        }
        HttpHeaders described = new HttpHeaders();
        if (describedAuthorization != null) {
            described.set(HttpHeaders.AUTHORIZATION, describedAuthorization);
        }
        DecisionRequest request =
                new DecisionRequest("nginx", HttpMethod.GET, "/api/orders", "https", "app.example", described, null);
        return this.engine.decide(MockServerWebExchange.from(carrier), request).block(TestClients.TIMEOUT);
    }

    @Test
    void decideWhenCarrierAndDescribedRequestCarryDifferentTokensThenTheDescribedCallerIsAuthenticated() {
        String proxysOwn = TestChain.realmAToken().claim("sub", "the-proxy").sign();
        String client = TestChain.realmAToken().claim("sub", "the-client").sign();

        Decision decision = decide("Bearer " + proxysOwn, "Bearer " + client);

        assertThat(decision.identity().subject()).isEqualTo("the-client");
    }

    @Test
    void decideWhenOnlyTheCarrierCarriesATokenThenTheDescribedRequestIsAnonymous() {
        String proxysOwn = TestChain.realmAToken().claim("sub", "the-proxy").sign();

        Decision decision = decide("Bearer " + proxysOwn, null);

        assertThat(decision.identity())
                .as("the carrier's token is never the caller's")
                .isNull();
        assertThat(decision.problem().code()).isEqualTo(ErrorCode.NO_ROUTE);
    }

    @Test
    void decideWhenOnlyTheCarrierCarriesABadTokenThenNotRefusedForIt() {
        Decision decision = decide("Bearer not-a-token", null);

        assertThat(decision.problem().code())
                .as("judged on the described request only")
                .isEqualTo(ErrorCode.NO_ROUTE);
    }
}
