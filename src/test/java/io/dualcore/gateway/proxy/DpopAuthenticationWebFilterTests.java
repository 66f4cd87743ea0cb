package io.dualcore.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProof;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * DPoP through the authentication filter: the {@code DPoP} scheme, a fresh proof on every request (verified-token
 * cache hits too), the DPoP challenges, and that a refused request never reaches the chain.
 */
class DpopAuthenticationWebFilterTests {

    private static final String URL = "http://gateway.test/api/orders";

    private static final ECKey KEY = DpopProofs.ecKey();

    private final TestChain chain = TestChain.create();

    private final DpopBinding binding = new DpopBinding(
            Map.of(TestChain.ISSUER_A, DpopMode.ALLOWED),
            new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
            new InMemoryReplayGuard(1000, Clock.systemUTC()),
            null);

    private final List<String> events = new ArrayList<>();

    private final AuthenticationWebFilter filter = ProxyDoors.authenticationFilter(
            this.chain.authenticator,
            name -> name.toLowerCase().startsWith("x-auth-"),
            new ProblemResponses("dualcore-gateway", 5, null, this.binding.algs()),
            new AuthenticationObserver() {
                @Override
                public void authenticated(ServerWebExchange exchange, GatewayIdentity identity) {
                    DpopAuthenticationWebFilterTests.this.events.add("authenticated");
                }

                @Override
                public void rejected(ServerWebExchange exchange, ErrorCode code) {
                    DpopAuthenticationWebFilterTests.this.events.add("rejected:" + code.code());
                }

                @Override
                public Verification verifying(ServerWebExchange exchange) {
                    List<String> events = DpopAuthenticationWebFilterTests.this.events;
                    return new Verification() {
                        @Override
                        public void authenticated(GatewayIdentity identity) {
                            events.add("authenticated");
                        }

                        @Override
                        public void rejected(ErrorCode code) {
                            events.add("rejected:" + code.code());
                        }
                    };
                }
            },
            null,
            Set.of(),
            this.binding);

    private ServerWebExchange passed;

    private final WebFilterChain next = exchange -> {
        this.passed = exchange;
        return Mono.empty();
    };

    private final String boundToken = TestChain.realmAToken()
            .claim("cnf", Map.of("jkt", DpopProofs.thumbprint(KEY)))
            .sign();

    private String proof(String token) {
        return DpopProofs.proof(KEY, "GET", URL, token, Instant.now()).sign();
    }

    private MockServerWebExchange send(String authorization, String... proofs) {
        MockServerHttpRequest.BaseBuilder<?> request =
                MockServerHttpRequest.get(URL).header(HttpHeaders.AUTHORIZATION, authorization);
        for (String proof : proofs) {
            request.header(DpopBinding.HEADER, proof);
        }
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        this.passed = null;
        this.filter.filter(exchange, this.next).block();
        return exchange;
    }

    @Test
    void filterWhenBoundTokenWithDpopSchemeAndFreshProofsThenEveryRequestPassesCacheHitsToo() {
        send("DPoP " + this.boundToken, proof(this.boundToken));
        assertThat(this.passed).isNotNull();
        assertThat(GatewayIdentity.from(this.passed).subject()).isNotEmpty();
        assertThat((DpopProof) this.passed.getAttribute(DpopBinding.ATTRIBUTE)).isNotNull();

        send("dpop " + this.boundToken, proof(this.boundToken));
        assertThat(this.passed).as("the cached token with a new proof").isNotNull();
        assertThat(this.chain.authenticator.cacheHits()).isEqualTo(1);
        assertThat(this.events).containsExactly("authenticated", "authenticated");
    }

    @Test
    void filterWhenCachedBoundTokenWithoutProofThenRefusedWithDpopChallenge() {
        send("DPoP " + this.boundToken, proof(this.boundToken));

        MockServerWebExchange exchange = send("DPoP " + this.boundToken);

        assertThat(this.passed).as("the cache keeps the token, never the proof").isNull();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(401);
        assertThat(exchange.getResponse().getHeaders().get(HttpHeaders.WWW_AUTHENTICATE))
                .singleElement()
                .asString()
                .startsWith("DPoP algs=\"ES256 ")
                .contains("error=\"invalid_dpop_proof\"");
        assertThat(this.events).containsExactly("authenticated", "rejected:invalid_dpop_proof");
    }

    @Test
    void filterWhenReplayedProofThenRefused() {
        String proof = proof(this.boundToken);
        send("DPoP " + this.boundToken, proof);

        MockServerWebExchange exchange = send("DPoP " + this.boundToken, proof);

        assertThat(this.passed).isNull();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(401);
        assertThat(this.events).last().isEqualTo("rejected:" + ErrorCode.DPOP_PROOF_REPLAYED.code());
    }

    @Test
    void filterWhenBoundTokenAsBearerThenRefusedEvenWithProof() {
        MockServerWebExchange exchange = send("Bearer " + this.boundToken, proof(this.boundToken));

        assertThat(this.passed).isNull();
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .startsWith("DPoP ")
                .contains("error=\"invalid_token\"");
        assertThat(this.events).containsExactly("rejected:" + ErrorCode.DPOP_BOUND_TOKEN.code());
    }

    @Test
    void filterWhenUnboundBearerTokenAndModeAllowedThenPassesAndOtherRefusalsOfferBothSchemes() {
        String unbound = TestChain.realmAToken().sign();
        send("Bearer " + unbound);
        assertThat(this.passed).isNotNull();

        MockServerWebExchange refused = send("Bearer not-a-token");
        assertThat(refused.getResponse().getHeaders().get(HttpHeaders.WWW_AUTHENTICATE))
                .hasSize(2)
                .satisfiesExactly(
                        bearer -> assertThat(bearer).startsWith("Bearer realm="),
                        dpop -> assertThat(dpop).isEqualTo("DPoP algs=\"" + this.binding.algs() + "\""));
    }

    @Test
    void filterWhenDpopSchemeForEdgeTokenThenRefused() {
        String edge = TestChain.edgeToken().sign();

        MockServerWebExchange exchange = send("DPoP " + edge, proof(edge));

        assertThat(this.passed).isNull();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(400);
    }

    @Test
    void filterWhenOversizedOrSeveralProofsThenRefusedNeverServerError() {
        MockServerWebExchange oversized = send("DPoP " + this.boundToken, "e".repeat(10_000));
        assertThat(oversized.getResponse().getStatusCode().value()).isEqualTo(401);

        MockServerWebExchange several = send("DPoP " + this.boundToken, proof(this.boundToken), proof(this.boundToken));
        assertThat(several.getResponse().getStatusCode().value()).isEqualTo(401);
        assertThat(this.passed).isNull();
    }
}
