package io.dualcore.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.web.AuthenticationObserver;
import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.pipeline.PipelineObserver;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitDecision;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathProperties;
import io.dualcore.gateway.web.RequestPathWebFilter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The proxy door over the engine's route steps (policy, rate limit, hand-over): what is forwarded, what is refused
 * and what telemetry observes; and the forward-auth door's {@code decide} reaching the same verdict for the same
 * request, since both run the same steps.
 */
class RoutePipelineFilterTests {

    private static final Map<String, String> SETTINGS = Map.of(
            "dualcore.routes.orders.access.modes", "edge",
            "dualcore.routes.orders.rate-limit.edge", "tight",
            "dualcore.routes.orders.identity-assertion", "true",
            "dualcore.routes.admin.access.modes", "oidc",
            "dualcore.rate-limit.plans.tight.bandwidths[0].capacity", "1",
            "dualcore.rate-limit.plans.tight.bandwidths[0].refill-period", "1h");

    private final TestChain chain = TestChain.create();

    private final List<String> events = new ArrayList<>();

    private final List<Route> routes =
            List.of(route("orders", "/orders/**"), route("admin", "/admin/**"), route("unprotected", "/open/**"));

    private final DecisionEngine engine = engine(this.events);

    private final AuthenticationWebFilter authentication =
            new AuthenticationWebFilter(this.engine, new ProblemResponses("dualcore-gateway", 5), null, Set.of());

    private final RoutePipelineFilter filter =
            new RoutePipelineFilter(this.engine, new ProblemResponses("dualcore-gateway", 5));

    private ServerWebExchange forwarded;

    private final GatewayFilterChain upstream = exchange -> {
        this.forwarded = exchange;
        exchange.getResponse().setStatusCode(HttpStatus.ACCEPTED);
        return Mono.empty();
    };

    @Test
    void filterWhenPolicyAndLimitAllowThenForwardedWithHandOverAndUpstreamStatusObserved() {
        MockServerWebExchange exchange =
                send("/orders/1", "orders", TestChain.edgeToken().sign());

        assertThat(this.forwarded).isNotNull();
        IdentityHandOver.Decision handOver = IdentityHandOver.recorded(this.forwarded);
        assertThat(handOver.identity()).isEqualTo(GatewayIdentity.from(this.forwarded));
        assertThat(handOver.assertion())
                .as("the route asks for the identity assertion")
                .isNotBlank();
        assertThat(exchange.getResponse().getHeaders().getFirst("RateLimit")).startsWith("\"tight\";r=0");
        assertThat(this.events).containsExactly("authorized:orders:allowed", "rateLimited:tight:true", "completed:202");
    }

    @Test
    void filterWhenPolicyDeniesThenProblemAndNeverForwarded() {
        MockServerWebExchange exchange =
                send("/admin/x", "admin", TestChain.edgeToken().sign());

        assertThat(this.forwarded).isNull();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(403);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains(ErrorCode.MODE_NOT_ALLOWED.code());
        assertThat(this.events).containsExactly("authorized:admin:mode_not_allowed", "completed:403");
    }

    @Test
    void filterWhenLimitExceededThen429WithRetryAfterAndNeverForwarded() {
        send("/orders/1", "orders", TestChain.edgeToken().sign());
        this.forwarded = null;

        MockServerWebExchange second =
                send("/orders/1", "orders", TestChain.edgeToken().sign());

        assertThat(this.forwarded).isNull();
        assertThat(second.getResponse().getStatusCode().value()).isEqualTo(429);
        assertThat(second.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
                .isNotNull();
        assertThat(this.events).endsWith("rateLimited:tight:false", "completed:429");
    }

    @Test
    void filterWhenRouteHasNoPolicyThenDeniedNoRoutePolicy() {
        MockServerWebExchange exchange = send("/open/x", "unprotected", null);

        assertThat(this.forwarded).isNull();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(403);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains(ErrorCode.NO_ROUTE_POLICY.code());
    }

    @Test
    void decideWhenSameRequestsThenSameVerdictsAsTheProxyDoor() {
        DecisionEngine other = engine(new ArrayList<>());
        String edge = TestChain.edgeToken().sign();
        String[][] requests = {
            {"/orders/1", "orders", edge},
            {"/orders/1", "orders", edge},
            {"/admin/x", "admin", edge},
            {"/open/x", "unprotected", null},
            {"/orders/1", "orders", "not-a-token"}
        };
        for (String[] request : requests) {
            this.forwarded = null;
            MockServerWebExchange proxied = send(request[0], request[1], request[2]);
            HttpStatus proxiedStatus =
                    HttpStatus.valueOf(proxied.getResponse().getStatusCode().value());

            Decision decision = decide(other, request[0], request[2]);

            String refusedBeforeRouting = "not-a-token".equals(request[2]) ? null : request[1];
            assertThat(decision.routeId()).as(request[0]).isEqualTo(refusedBeforeRouting);
            if (this.forwarded != null) {
                assertThat(decision.allowed()).as(request[0]).isTrue();
                assertThat(decision.upstreamHeaders().getFirst("X-Auth-Subject"))
                        .isEqualTo(GatewayIdentity.from(this.forwarded).subject());
            } else {
                assertThat(decision.status()).as(request[0]).isEqualTo(proxiedStatus.value());
            }
        }
    }

    private MockServerWebExchange send(String path, String routeId, String token) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("http://gateway.test" + path);
        if (token != null) {
            request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        Route route = this.routes.stream()
                .filter(candidate -> candidate.getId().equals(routeId))
                .findFirst()
                .orElseThrow();
        this.authentication
                .filter(exchange, authenticated -> {
                    // what Spring Cloud Gateway's route matching leaves on the exchange
                    authenticated.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
                    return this.filter.filter(authenticated, this.upstream);
                })
                .block(Duration.ofSeconds(10));
        return exchange;
    }

    private static Decision decide(DecisionEngine engine, String path, String token) {
        HttpHeaders headers = new HttpHeaders();
        if (token != null) {
            headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        DecisionRequest request =
                new DecisionRequest("nginx", HttpMethod.GET, path, "http", "gateway.test", headers, null);
        return engine.decide(MockServerWebExchange.from(MockServerHttpRequest.get("/nginx")), request)
                .block(Duration.ofSeconds(10));
    }

    private DecisionEngine engine(List<String> events) {
        Binder binder = new Binder(new MapConfigurationPropertySource(SETTINGS));
        RouteProperties routeProperties =
                binder.bind("dualcore", RouteProperties.class).get();
        RateLimitProperties.Plan plan = binder.bind("dualcore.rate-limit.plans.tight", RateLimitProperties.Plan.class)
                .get();
        CompiledRoutes compiled = CompiledRoutes.of(
                RoutePolicies.of(routeProperties, List.of("orders", "admin"), TestModes.REGISTRY),
                Map.of("tight", RatePlan.of("tight", plan)),
                TestModes.REGISTRY);
        RouteLocator locator = () -> Flux.fromIterable(this.routes);
        return new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                this.chain.authenticator,
                locator,
                compiled,
                new LocalRateLimiter(1000),
                new RateLimitHeaders(RateLimitHeaders.Style.DRAFT),
                new IdentityHeaders("X-Auth-"),
                new IdentityAssertionSigner(
                        new IdentityProperties.Assertion(
                                "dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24)),
                        Clock.systemUTC()),
                new DecisionEngine.Observers(
                        RequestPathWebFilter.RefusalObserver.NONE, AuthenticationObserver.NONE, recording(events)));
    }

    private static PipelineObserver recording(List<String> events) {
        return new PipelineObserver() {
            @Override
            public void authorized(
                    ServerWebExchange exchange, String routeId, GatewayIdentity identity, ErrorCode code) {
                events.add("authorized:" + routeId + ":" + ((code != null) ? code.code() : "allowed"));
            }

            @Override
            public void rateLimited(ServerWebExchange exchange, RatePlan plan, RateLimitDecision decision) {
                events.add("rateLimited:" + plan.name() + ":" + ((decision != null) ? decision.allowed() : "none"));
            }

            @Override
            public void completed(
                    ServerWebExchange exchange, String routeId, GatewayIdentity identity, int status, ErrorCode code) {
                events.add("completed:" + status);
            }
        };
    }

    private static Route route(String id, String pattern) {
        String prefix = pattern.substring(0, pattern.indexOf("/**"));
        return Route.async()
                .id(id)
                .uri(URI.create("http://upstream.test"))
                .predicate(exchange -> exchange.getRequest().getPath().value().startsWith(prefix + "/"))
                .build();
    }
}
