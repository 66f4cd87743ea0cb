package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.testsupport.RandomText;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GatewayMetricsFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.gateway.support.tagsprovider.GatewayHttpTagsProvider;
import org.springframework.cloud.gateway.support.tagsprovider.GatewayPathTagsProvider;
import org.springframework.cloud.gateway.support.tagsprovider.GatewayRouteTagsProvider;
import org.springframework.cloud.gateway.support.tagsprovider.GatewayTagsProvider;
import org.springframework.cloud.gateway.support.tagsprovider.PropertiesTagsProvider;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@link RouteRequestTimers} against Spring Cloud Gateway's {@link GatewayMetricsFilter}: the same meters (name and
 * tags) with the same counts for the same requests, whatever the method, status, route and matched path.
 */
class RouteRequestTimersTests {

    private static final List<Route> ROUTES = List.of(
            route("microservice-core", "http://core.internal:8080"),
            route("edge-core", "http://edge.internal:8081"),
            route("partner-api", "https://partners.internal"),
            route("microservice-core", "http://moved.internal:9090"));

    private static final List<String> METHODS = List.of("GET", "POST", "DELETE", "PATCH", "OPTIONS", "PROPFIND");

    private static final List<Integer> STATUSES = List.of(200, 201, 204, 301, 304, 400, 401, 403, 404, 429, 502, 599);

    @Test
    void filterWhenRandomRequestsThenSameMetersAndCountsAsSpringCloudGateway() {
        RandomText seeded = RandomText.create();
        SplittableRandom random = new SplittableRandom(seeded.seed());
        List<GatewayTagsProvider> providers = List.of(
                new GatewayHttpTagsProvider(),
                new GatewayRouteTagsProvider(),
                new PropertiesTagsProvider(Map.of("region", "eu-1")),
                new GatewayPathTagsProvider());
        MeterRegistry stockRegistry = new SimpleMeterRegistry();
        MeterRegistry cachedRegistry = new SimpleMeterRegistry();
        GatewayMetricsFilter stock = new GatewayMetricsFilter(stockRegistry, providers, "spring.cloud.gateway");
        RouteRequestTimers cached = new RouteRequestTimers(cachedRegistry, providers, "spring.cloud.gateway");
        for (int attempt = 0; attempt < 2_000; attempt++) {
            long seed = random.nextLong();
            run(stock, new SplittableRandom(seed));
            run(cached, new SplittableRandom(seed));
        }
        assertThat(meters(cachedRegistry))
                .as("replay: -Ddualcore.test.seed=" + seeded.seed())
                .isEqualTo(meters(stockRegistry))
                .hasSizeGreaterThan(100);
        // the key is finer than the tags (e.g. a matched path of another route adds no tag): never coarser
        assertThat(cached.cachedTimers())
                .isGreaterThanOrEqualTo(meters(cachedRegistry).size());
    }

    @Test
    void filterWhenResponseNotCommittedThenRecordedAtCommitWithFinalStatus() {
        MeterRegistry registry = new SimpleMeterRegistry();
        RouteRequestTimers timers = new RouteRequestTimers(
                registry,
                List.of(new GatewayHttpTagsProvider(), new GatewayRouteTagsProvider()),
                "spring.cloud.gateway.");
        MockServerWebExchange exchange = exchange(ROUTES.get(0), "GET", null, null);
        timers.filter(exchange, next -> Mono.empty()).block();
        assertThat(registry.find("spring.cloud.gateway.requests").timers()).isEmpty();
        exchange.getResponse().setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
        exchange.getResponse().setComplete().block();
        Timer timer = registry.get("spring.cloud.gateway.requests")
                .tags("status", "TOO_MANY_REQUESTS", "routeId", "microservice-core", "httpMethod", "GET")
                .timer();
        assertThat(timer.count()).isEqualTo(1);
    }

    @Test
    void filterWhenChainFailsThenRecordedAndErrorPassedOn() {
        MeterRegistry registry = new SimpleMeterRegistry();
        RouteRequestTimers timers =
                new RouteRequestTimers(registry, List.of(new GatewayHttpTagsProvider()), "spring.cloud.gateway");
        MockServerWebExchange exchange = exchange(ROUTES.get(1), "POST", 502, null);
        exchange.getResponse().setComplete().block();
        GatewayFilterChain failing = next -> Mono.error(new IllegalStateException("upstream"));
        assertThatThrownBy(() -> timers.filter(exchange, failing).block()).hasMessageContaining("upstream");
        assertThat(registry.get("spring.cloud.gateway.requests")
                        .tags("httpStatusCode", "502")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void timerWhenMoreCombinationsThanTheCacheHoldsThenStillEachRequestsOwnTimer() {
        MeterRegistry registry = new SimpleMeterRegistry();
        RouteRequestTimers timers = new RouteRequestTimers(
                registry,
                List.of(new GatewayHttpTagsProvider(), new GatewayRouteTagsProvider()),
                "spring.cloud.gateway");
        int combinations = RouteRequestTimers.MAX_TIMERS + 100;
        for (int i = 0; i < combinations; i++) {
            Route route = route("route-" + i, "http://core.internal:8080");
            timers.timer(exchange(route, "GET", 200, null)).record(java.time.Duration.ofMillis(1));
        }
        assertThat(timers.cachedTimers()).isEqualTo(RouteRequestTimers.MAX_TIMERS);
        assertThat(registry.find("spring.cloud.gateway.requests").timers()).hasSize(combinations);
        Timer last = registry.get("spring.cloud.gateway.requests")
                .tags("routeId", "route-" + (combinations - 1))
                .timer();
        timers.timer(exchange(route("route-" + (combinations - 1), "http://core.internal:8080"), "GET", 200, null))
                .record(java.time.Duration.ofMillis(1));
        assertThat(last.count()).isEqualTo(2);
    }

    @Test
    void appliesToOnlySpringCloudGatewaysOwnProviders() {
        assertThat(RouteRequestTimers.appliesTo(List.of(new GatewayHttpTagsProvider(), new GatewayRouteTagsProvider())))
                .isTrue();
        GatewayTagsProvider own =
                exchange -> Tags.of("tenant", exchange.getRequest().getHeaders().getFirst("X-Tenant"));
        assertThat(RouteRequestTimers.appliesTo(List.of(new GatewayHttpTagsProvider(), own)))
                .isFalse();
        GatewayTagsProvider subclass = new GatewayHttpTagsProvider() {
            @Override
            public Tags apply(org.springframework.web.server.ServerWebExchange exchange) {
                return super.apply(exchange).and("extra", "x");
            }
        };
        assertThat(RouteRequestTimers.appliesTo(List.of(subclass))).isFalse();
        assertThatThrownBy(() -> new RouteRequestTimers(new SimpleMeterRegistry(), List.of(own), "p"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void run(GatewayMetricsFilter filter, SplittableRandom random) {
        Route route = (random.nextInt(10) == 0) ? null : ROUTES.get(random.nextInt(ROUTES.size()));
        String method = METHODS.get(random.nextInt(METHODS.size()));
        Integer status = (random.nextInt(15) == 0) ? null : STATUSES.get(random.nextInt(STATUSES.size()));
        String matched = switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> "/api/**";
            case 2 -> "/edge/**";
            default -> "/api/admin/**";
        };
        MockServerWebExchange exchange = exchange(route, method, status, matched);
        if (matched != null) {
            String matchedRoute = (random.nextBoolean() && route != null) ? route.getId() : "other-route";
            exchange.getAttributes()
                    .put(ServerWebExchangeUtils.GATEWAY_PREDICATE_MATCHED_PATH_ROUTE_ID_ATTR, matchedRoute);
        }
        boolean committedFirst = random.nextBoolean();
        if (committedFirst) {
            exchange.getResponse().setComplete().block();
        }
        filter.filter(exchange, next -> Mono.empty()).block();
        if (!committedFirst) {
            exchange.getResponse().setComplete().block();
        }
    }

    private static MockServerWebExchange exchange(Route route, String method, Integer status, String matchedPath) {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                MockServerHttpRequest.method(HttpMethod.valueOf(method), URI.create("http://gw/api/x"))
                        .build());
        if (route != null) {
            exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
        }
        if (status != null) {
            exchange.getResponse().setRawStatusCode(status);
        }
        if (matchedPath != null) {
            exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_PREDICATE_MATCHED_PATH_ATTR, matchedPath);
        }
        return exchange;
    }

    private static Map<String, Long> meters(MeterRegistry registry) {
        Map<String, Long> meters = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            if (meter instanceof Timer timer) {
                meters.put(timer.getId().getName() + timer.getId().getTags(), timer.count());
            }
        }
        return meters;
    }

    private static Route route(String id, String uri) {
        return Route.async()
                .id(id)
                .uri(URI.create(uri))
                .predicate(ignored -> true)
                .build();
    }
}
