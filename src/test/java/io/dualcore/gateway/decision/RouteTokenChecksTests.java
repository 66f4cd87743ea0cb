package io.dualcore.gateway.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.RequestChecks;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.introspection.IntrospectionEndpointStub;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.auth.introspection.TokenIntrospector;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The route's token checks as a step of the engine: the online introspection of a JWT (its answer, the failure
 * policy, the issuer's {@code always}) and a DPoP mode stricter than the issuer's, with the same verdict through the
 * proxy door ({@link DecisionEngine#authenticate} then {@link DecisionEngine#authorize}) and a decision door
 * ({@link DecisionEngine#decide}); a route that asks for neither does no work.
 */
class RouteTokenChecksTests {

    private static final ECKey KEY = DpopProofs.ecKey();

    private final IntrospectionEndpointStub endpoint = new IntrospectionEndpointStub();

    private final TestChain chain = TestChain.create();

    private final List<ErrorCode> rejected = new ArrayList<>();

    private final AuthenticationObserver observer = new AuthenticationObserver() {
        @Override
        public void rejected(ServerWebExchange exchange, ErrorCode code) {
            RouteTokenChecksTests.this.rejected.add(code);
        }
    };

    private final List<Route> routes = List.of(route("orders", "/orders/"), route("catalog", "/catalog/"));

    private final String token = TestChain.realmAToken().sign();

    @AfterEach
    void stop() {
        this.endpoint.close();
    }

    @Test
    void checkWhenRouteIntrospectsAndTokenInactiveThenTokenInactiveOnEveryDoor() {
        DecisionEngine engine = engine(introspected("orders"), introspections(false), null);

        Verdicts verdicts = both(engine, "/orders/1", "Bearer " + this.token, null);

        verdicts.assertRefused(ErrorCode.TOKEN_INACTIVE);
        assertThat(this.rejected).containsExactly(ErrorCode.TOKEN_INACTIVE, ErrorCode.TOKEN_INACTIVE);
        assertThat(this.endpoint.tokens).contains(this.token);
        assertThat(verdicts.decision.steps())
                .extracting(Decision.Step::toString)
                .contains("token checks: introspection asked", "token checks: refused token_inactive")
                .noneMatch(step -> step.startsWith("policy"));
    }

    @Test
    void checkWhenRouteIntrospectsAndTokenActiveThenAllowedOnEveryDoor() {
        this.endpoint.answer.set("{\"active\":true}");
        DecisionEngine engine = engine(introspected("orders"), introspections(false), null);

        Verdicts verdicts = both(engine, "/orders/1", "Bearer " + this.token, null);

        assertThat(verdicts.forwarded).isTrue();
        assertThat(verdicts.decision.allowed()).isTrue();
        assertThat(this.rejected).isEmpty();
    }

    @Test
    void checkWhenEndpointDownAndPolicyDenyThen503OnEveryDoor() {
        this.endpoint.status.set(500);
        DecisionEngine engine = engine(introspected("orders"), introspections(false), null);

        Verdicts verdicts = both(engine, "/orders/1", "Bearer " + this.token, null);

        verdicts.assertRefused(ErrorCode.INTROSPECTION_UNAVAILABLE);
        assertThat(verdicts.proxied.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isNotBlank();
    }

    @Test
    void checkWhenRouteDoesNotIntrospectThenNoCallAndAllowed() {
        DecisionEngine engine = engine(introspected("orders"), introspections(false), null);

        Verdicts verdicts = both(engine, "/catalog/1", "Bearer " + this.token, null);

        assertThat(verdicts.forwarded).isTrue();
        assertThat(verdicts.decision.allowed()).isTrue();
        assertThat(verdicts.decision.steps())
                .extracting(Decision.Step::toString)
                .contains("token checks: none");
        assertThat(this.endpoint.calls).hasValue(0);
    }

    @Test
    void checkWhenIssuerIntrospectsAlwaysThenEveryRouteChecks() {
        DecisionEngine engine = engine(Map.of(), introspections(true), null);

        both(engine, "/catalog/1", "Bearer " + this.token, null).assertRefused(ErrorCode.TOKEN_INACTIVE);
    }

    @Test
    void checkWhenRouteIntrospectsButNothingConfiguredThenRefused503() {
        DecisionEngine engine = engine(introspected("orders"), null, null);

        both(engine, "/orders/1", "Bearer " + this.token, null).assertRefused(ErrorCode.INTROSPECTION_UNAVAILABLE);
    }

    @Test
    void checkWhenAnonymousThenNothingCheckedAndPolicyJudges() {
        DecisionEngine engine = engine(introspected("orders"), introspections(true), dpop());

        Verdicts verdicts = both(engine, "/orders/1", null, null);

        verdicts.assertRefused(ErrorCode.MISSING_TOKEN);
        assertThat(this.endpoint.calls).hasValue(0);
        assertThat(verdicts.decision.steps())
                .extracting(Decision.Step::toString)
                .contains("token checks: none (anonymous)");
    }

    @Test
    void checkWhenRouteRequiresDpopAndBearerTokenThenDpopRequiredOnEveryDoor() {
        DecisionEngine engine = engine(dpopRequired("orders"), null, dpop());

        both(engine, "/orders/1", "Bearer " + this.token, null).assertRefused(ErrorCode.DPOP_REQUIRED);
        assertThat(this.rejected).containsExactly(ErrorCode.DPOP_REQUIRED, ErrorCode.DPOP_REQUIRED);
    }

    @Test
    void checkWhenRouteRequiresDpopAndProofNamesTheDescribedRequestThenAllowedOnEveryDoor() {
        DecisionEngine engine = engine(dpopRequired("orders"), null, dpop());
        String bound = boundToken();

        // one proof per door: each jti is recorded once
        Verdicts verdicts = both(
                engine,
                "/orders/1",
                "DPoP " + bound,
                () -> DpopProofs.proof(KEY, "GET", "http://gateway.test/orders/1", bound, Instant.now())
                        .sign());

        assertThat(verdicts.forwarded).isTrue();
        assertThat(verdicts.decision.allowed()).isTrue();
        assertThat(verdicts.decision.steps())
                .extracting(Decision.Step::toString)
                .contains("token checks: dpop required passed");
    }

    @Test
    void decideWhenProofNamesTheDecisionEndpointNotTheDescribedRequestThenInvalidDpopProof() {
        DecisionEngine engine = engine(dpopRequired("orders"), null, dpop());
        String bound = boundToken();
        String proof = DpopProofs.proof(KEY, "GET", "http://gateway.test/nginx", bound, Instant.now())
                .sign();

        Decision decision = decide(engine, "/orders/1", "DPoP " + bound, proof);

        assertThat(decision.problem().code()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF);
    }

    @Test
    void decideWhenProofForPostButDescribedRequestIsGetThenInvalidDpopProof() {
        DecisionEngine engine = engine(dpopRequired("orders"), null, dpop());
        String bound = boundToken();
        String proof = DpopProofs.proof(KEY, "POST", "http://gateway.test/orders/1", bound, Instant.now())
                .sign();

        Decision decision = decide(engine, "/orders/1", "DPoP " + bound, proof);

        assertThat(decision.problem().code()).isEqualTo(ErrorCode.INVALID_DPOP_PROOF);
    }

    // ---- fixtures

    /** The proxy door's answer and a decision door's decision about the same request. */
    private record Verdicts(MockServerWebExchange proxied, boolean forwarded, Decision decision) {

        void assertRefused(ErrorCode code) {
            assertThat(this.forwarded).as("forwarded by the proxy door").isFalse();
            assertThat(this.proxied.getResponse().getStatusCode().value())
                    .isEqualTo(code.status().value());
            assertThat(this.proxied.getResponse().getBodyAsString().block(TestClients.TIMEOUT))
                    .contains("\"" + code.code() + "\"");
            assertThat(this.decision.allowed())
                    .as("allowed by the decision door")
                    .isFalse();
            assertThat(this.decision.problem().code()).isEqualTo(code);
        }
    }

    private Verdicts both(
            DecisionEngine engine, String path, String authorization, java.util.function.Supplier<String> proof) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("http://gateway.test" + path);
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (proof != null) {
            request.header(DpopBinding.HEADER, proof.get());
        }
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        Route route = this.routes.stream()
                .filter(candidate -> path.startsWith(candidate.getUri().getPath()))
                .findFirst()
                .orElseThrow();
        AtomicReference<Boolean> forwarded = new AtomicReference<>(false);
        Outcome<Void, Void> write = new Outcome<>() {
            @Override
            public Mono<Void> allowed(ServerWebExchange exchange, Void context) {
                forwarded.set(true);
                return Mono.empty();
            }

            @Override
            public Mono<Void> refused(ServerWebExchange exchange, Void context, Decision.Problem problem) {
                return new io.dualcore.gateway.web.ProblemResponses("dualcore-gateway", 5)
                        .write(exchange, problem.code(), problem.detail(), problem.scope());
            }
        };
        engine.authenticate(exchange, null, new Outcome<Void, Void>() {
                    @Override
                    public Mono<Void> allowed(ServerWebExchange authenticated, Void context) {
                        // what Spring Cloud Gateway's route matching leaves on the exchange
                        authenticated.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
                        return engine.authorize(
                                authenticated,
                                route.getId(),
                                authenticated.getResponse().getHeaders(),
                                null,
                                write);
                    }

                    @Override
                    public Mono<Void> refused(ServerWebExchange refused, Void context, Decision.Problem problem) {
                        return write.refused(refused, context, problem);
                    }
                })
                .block(TestClients.TIMEOUT);
        Decision decision = decide(engine, path, authorization, (proof != null) ? proof.get() : null);
        return new Verdicts(exchange, forwarded.get(), decision);
    }

    private static Decision decide(DecisionEngine engine, String path, String authorization, String proof) {
        HttpHeaders headers = new HttpHeaders();
        if (authorization != null) {
            headers.set(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (proof != null) {
            headers.set(DpopBinding.HEADER, proof);
        }
        DecisionRequest request =
                new DecisionRequest("nginx", HttpMethod.GET, path, "http", "gateway.test", headers, null);
        return engine.decide(
                        MockServerWebExchange.from(MockServerHttpRequest.get("http://gateway.test/nginx")), request)
                .block(TestClients.TIMEOUT);
    }

    private DecisionEngine engine(
            Map<String, RequestChecks.RouteChecks> byRoute, Introspections introspections, DpopBinding dpop) {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(
                "dualcore.routes.orders.access.modes", "oidc",
                "dualcore.routes.catalog.access.modes", "oidc")));
        RouteProperties routeProperties =
                binder.bind("dualcore", RouteProperties.class).get();
        CompiledRoutes compiled = CompiledRoutes.of(
                RoutePolicies.of(routeProperties, List.of("orders", "catalog"), TestModes.REGISTRY),
                Map.of(),
                TestModes.REGISTRY);
        RouteLocator locator = () -> Flux.fromIterable(this.routes);
        IdentityHeaders identityHeaders = new IdentityHeaders("X-Auth-");
        return new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                this.chain.authenticator,
                identityHeaders::isReserved,
                locator,
                compiled,
                new LocalRateLimiter(1000),
                new RateLimitHeaders(RateLimitHeaders.Style.DRAFT),
                identityHeaders,
                new IdentityAssertionSigner(
                        new IdentityProperties.Assertion(
                                "dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24)),
                        Clock.systemUTC()),
                new DecisionEngine.Observers(
                        RequestPathWebFilter.RefusalObserver.NONE, this.observer, PipelineObserver.NONE),
                dpop,
                new RouteTokenChecks(byRoute, introspections, dpop),
                ConfigurationPin.NONE);
    }

    private Introspections introspections(boolean always) {
        AuthProperties.Introspection settings = new AuthProperties.Introspection(
                false,
                always,
                this.endpoint.uri(),
                "dualcore-gateway",
                "secret",
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                100,
                51200,
                AuthProperties.IntrospectionFailurePolicy.DENY,
                AuthProperties.UserInfo.CircuitBreaker.DEFAULTS);
        AuthProperties.Issuer issuer = TestIssuers.issuer("a", TestChain.ISSUER_A)
                .audiences(List.of(TestChain.AUDIENCE))
                .build()
                .withIntrospection(settings);
        return new Introspections(
                List.of(new TokenIntrospector(issuer, Clock.systemUTC())),
                List.of(issuer),
                Clock.systemUTC(),
                Duration.ofSeconds(30));
    }

    /** DPoP off for every issuer, on for some route. */
    private static DpopBinding dpop() {
        return new DpopBinding(
                Map.of(),
                new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
                new InMemoryReplayGuard(100, Clock.systemUTC()),
                null,
                true);
    }

    private static String boundToken() {
        return TestChain.realmAToken()
                .claim("cnf", Map.of("jkt", DpopProofs.thumbprint(KEY)))
                .sign();
    }

    private static Map<String, RequestChecks.RouteChecks> introspected(String routeId) {
        return Map.of(routeId, new RequestChecks.RouteChecks(true, DpopMode.OFF));
    }

    private static Map<String, RequestChecks.RouteChecks> dpopRequired(String routeId) {
        return Map.of(routeId, new RequestChecks.RouteChecks(false, DpopMode.REQUIRED));
    }

    private static Route route(String id, String prefix) {
        return Route.async()
                .id(id)
                .uri(URI.create("http://upstream.test" + prefix))
                .predicate(exchange -> exchange.getRequest().getPath().value().startsWith(prefix))
                .build();
    }
}
