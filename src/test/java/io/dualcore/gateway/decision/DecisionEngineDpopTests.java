package io.dualcore.gateway.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Flux;

/**
 * The decision doors (forward auth, decision API) pass the same DPoP step as the gateway port: a bound token cannot
 * be used as a plain Bearer token through another door. No route is configured, so a request that gets past
 * authentication ends as {@code no_route}.
 */
class DecisionEngineDpopTests {

    private static final ECKey KEY = DpopProofs.ecKey();

    private static final String HTU = "https://app.example.com/api/orders";

    private final TestChain chain = TestChain.create();

    private final DecisionEngine engine = engine();

    private final String boundToken = TestChain.realmAToken()
            .claim("cnf", Map.of("jkt", DpopProofs.thumbprint(KEY)))
            .sign();

    private DecisionEngine engine() {
        RouteLocator routes = mock(RouteLocator.class);
        given(routes.getRoutes()).willReturn(Flux.empty());
        DpopBinding binding = new DpopBinding(
                Map.of(TestChain.ISSUER_A, DpopMode.ALLOWED),
                new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
                new InMemoryReplayGuard(100, Clock.systemUTC()),
                null);
        return new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                this.chain.authenticator,
                routes,
                mock(CompiledRoutes.class),
                mock(RateLimiter.class),
                mock(RateLimitHeaders.class),
                mock(IdentityHeaders.class),
                mock(IdentityAssertionSigner.class),
                new DecisionEngine.Observers(
                        RequestPathWebFilter.RefusalObserver.NONE, AuthenticationObserver.NONE, PipelineObserver.NONE),
                binding);
    }

    private Decision decide(String authorization, String proof) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.AUTHORIZATION, authorization);
        if (proof != null) {
            headers.set(DpopBinding.HEADER, proof);
        }
        DecisionRequest request =
                new DecisionRequest("test", HttpMethod.GET, "/api/orders", "https", "app.example.com", headers, null);
        MockServerWebExchange carrier = MockServerWebExchange.from(MockServerHttpRequest.get("/decide"));
        return this.engine.decide(carrier, request).block();
    }

    @Test
    void decideWhenBoundTokenAsBearerThenRefusedDpopBoundToken() {
        Decision decision = decide("Bearer " + this.boundToken, null);

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.problem().code()).isEqualTo(ErrorCode.DPOP_BOUND_TOKEN);
    }

    @Test
    void decideWhenBoundTokenWithoutProofThenRefusedInvalidDpopProof() {
        Decision decision = decide("DPoP " + this.boundToken, null);

        assertThat(decision.problem().code()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF);
    }

    @Test
    void decideWhenBoundTokenWithProofForTheDescribedRequestThenPastAuthentication() {
        String proof = DpopProofs.proof(KEY, "GET", HTU, this.boundToken, Instant.now())
                .sign();

        Decision decision = decide("DPoP " + this.boundToken, proof);

        assertThat(decision.problem().code()).as("authenticated, then no route").isEqualTo(ErrorCode.NO_ROUTE);
        assertThat(decision.identity()).isNotNull();
    }
}
