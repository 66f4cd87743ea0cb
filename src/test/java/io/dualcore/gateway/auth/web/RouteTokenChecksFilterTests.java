package io.dualcore.gateway.auth.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.dpop.DpopBinding;
import io.dualcore.gateway.auth.dpop.DpopMode;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.introspection.IntrospectionEndpointStub;
import io.dualcore.gateway.auth.introspection.Introspections;
import io.dualcore.gateway.auth.introspection.TokenIntrospector;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The checks a route asks for after routing: the online introspection of a JWT (its answer, the failure policy, the
 * issuer's {@code always}) and a DPoP mode stricter than the issuer's; a route that asks for neither does no work.
 */
class RouteTokenChecksFilterTests {

    private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";

    private final IntrospectionEndpointStub endpoint = new IntrospectionEndpointStub();

    private final List<ErrorCode> rejected = new ArrayList<>();

    private final AtomicInteger forwarded = new AtomicInteger();

    private final AuthenticationObserver observer = new AuthenticationObserver() {
        @Override
        public void rejected(org.springframework.web.server.ServerWebExchange exchange, ErrorCode code) {
            RouteTokenChecksFilterTests.this.rejected.add(code);
        }
    };

    @AfterEach
    void stop() {
        this.endpoint.close();
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
        AuthProperties.Issuer issuer = TestIssuers.issuer("test", this.endpoint.issuer())
                .audiences(List.of("dualcore-gateway"))
                .build()
                .withIntrospection(settings);
        return new Introspections(
                List.of(new TokenIntrospector(issuer, Clock.systemUTC())),
                List.of(issuer),
                Clock.systemUTC(),
                Duration.ofSeconds(30));
    }

    private DpopBinding dpop() {
        return new DpopBinding(
                Map.of(),
                new DpopProofVerifier(DpopProperties.defaults(), Clock.systemUTC()),
                new InMemoryReplayGuard(100, Clock.systemUTC()),
                null,
                true);
    }

    private RouteTokenChecksFilter filter(
            Map<String, RouteTokenChecksFilter.RouteChecks> routes, Introspections introspections, DpopBinding dpop) {
        return new RouteTokenChecksFilter(
                routes, introspections, dpop, new ProblemResponses("dualcore-gateway", 5), this.observer);
    }

    private MockServerWebExchange exchange(String routeId) {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                MockServerHttpRequest.get("/api/orders").header(HttpHeaders.AUTHORIZATION, "Bearer " + JWT));
        exchange.getAttributes()
                .put(
                        ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR,
                        Route.async()
                                .id(routeId)
                                .uri("http://upstream.test")
                                .predicate(e -> true)
                                .build());
        exchange.getAttributes()
                .put(
                        GatewayIdentity.ATTRIBUTE,
                        new GatewayIdentity(
                                OidcVerificationMode.MODE,
                                this.endpoint.issuer(),
                                "test",
                                "alice",
                                "app",
                                Set.of(),
                                Set.of(),
                                null,
                                "kid",
                                Instant.now().plusSeconds(300),
                                Map.of("sub", "alice")));
        return exchange;
    }

    private void run(RouteTokenChecksFilter filter, MockServerWebExchange exchange) {
        filter.filter(exchange, e -> {
                    this.forwarded.incrementAndGet();
                    return Mono.empty();
                })
                .block(TestClients.TIMEOUT);
    }

    private static Map<String, RouteTokenChecksFilter.RouteChecks> introspected(String routeId) {
        return Map.of(routeId, new RouteTokenChecksFilter.RouteChecks(true, DpopMode.OFF));
    }

    @Test
    void filterWhenRouteIntrospectsAndTokenInactiveThen401TokenInactiveAndNotForwarded() {
        MockServerWebExchange exchange = exchange("orders");

        run(filter(introspected("orders"), introspections(false), null), exchange);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(401);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .contains("invalid_token");
        assertThat(this.rejected).containsExactly(ErrorCode.TOKEN_INACTIVE);
        assertThat(this.forwarded).hasValue(0);
        assertThat(this.endpoint.tokens).containsExactly(JWT);
    }

    @Test
    void filterWhenRouteIntrospectsAndTokenActiveThenForwarded() {
        this.endpoint.answer.set("{\"active\":true,\"sub\":\"alice\"}");

        run(filter(introspected("orders"), introspections(false), null), exchange("orders"));

        assertThat(this.forwarded).hasValue(1);
        assertThat(this.rejected).isEmpty();
    }

    @Test
    void filterWhenEndpointDownAndPolicyDenyThen503WithRetryAfter() {
        this.endpoint.status.set(500);
        MockServerWebExchange exchange = exchange("orders");

        run(filter(introspected("orders"), introspections(false), null), exchange);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isNotBlank();
        assertThat(this.rejected).containsExactly(ErrorCode.INTROSPECTION_UNAVAILABLE);
        assertThat(this.forwarded).hasValue(0);
    }

    @Test
    void filterWhenRouteDoesNotIntrospectThenNoCallAndForwarded() {
        run(filter(introspected("orders"), introspections(false), null), exchange("catalog"));

        assertThat(this.forwarded).hasValue(1);
        assertThat(this.endpoint.calls).hasValue(0);
    }

    @Test
    void filterWhenIssuerIntrospectsAlwaysThenEveryRouteChecks() {
        MockServerWebExchange exchange = exchange("catalog");

        run(filter(Map.of(), introspections(true), null), exchange);

        assertThat(this.rejected).containsExactly(ErrorCode.TOKEN_INACTIVE);
        assertThat(this.forwarded).hasValue(0);
    }

    @Test
    void filterWhenRouteIntrospectsButNothingConfiguredThenRefusedNotForwarded() {
        MockServerWebExchange exchange = exchange("orders");

        run(filter(introspected("orders"), null, null), exchange);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
        assertThat(this.forwarded).hasValue(0);
    }

    @Test
    void filterWhenRouteRequiresDpopAndBearerTokenThenDpopRequired() {
        MockServerWebExchange exchange = exchange("orders");

        run(
                filter(
                        Map.of("orders", new RouteTokenChecksFilter.RouteChecks(false, DpopMode.REQUIRED)),
                        null,
                        dpop()),
                exchange);

        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(401);
        assertThat(this.rejected).containsExactly(ErrorCode.DPOP_REQUIRED);
        assertThat(this.forwarded).hasValue(0);
    }

    @Test
    void filterWhenAnonymousThenNothingChecked() {
        MockServerWebExchange exchange = exchange("orders");
        exchange.getAttributes().remove(GatewayIdentity.ATTRIBUTE);

        run(filter(introspected("orders"), introspections(true), dpop()), exchange);

        assertThat(this.forwarded).hasValue(1);
        assertThat(this.endpoint.calls).hasValue(0);
    }
}
