package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.route.RouteProperties;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** A request keeps the configuration it started with, whatever a reload swaps in meanwhile. */
class ActiveConfigurationWebFilterTests {

    private final ActiveConfiguration first = configuration("first", "route-a");

    private final ActiveConfiguration second = configuration("second", "route-b");

    private final LiveConfiguration live = new LiveConfiguration(this.first);

    @Test
    void filterWhenSwappedDuringRequestThenRouteMatchingAndStepsStillSeeTheFirst() {
        ActiveConfigurationWebFilter filter = new ActiveConfigurationWebFilter(this.live);
        LiveRouteLocator locator = new LiveRouteLocator(this.live);
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
        List<String> matched = new CopyOnWriteArrayList<>();

        filter.filter(exchange, pinned -> {
                    this.live.apply(
                            this.second, new LiveConfiguration.Change("second", Instant.now(), "t", ""), List.of());
                    return locator.getRoutes()
                            .map(Route::getId)
                            .doOnNext(matched::add)
                            .then();
                })
                .block();

        assertThat(matched).containsExactly("route-a");
        assertThat(this.live.of(exchange)).isSameAs(this.first);
        assertThat(this.live.current()).isSameAs(this.second);
    }

    @Test
    void getRoutesWhenNoRequestThenConfigurationInForce() {
        LiveRouteLocator locator = new LiveRouteLocator(this.live);
        this.live.apply(this.second, new LiveConfiguration.Change("second", Instant.now(), "t", ""), List.of());

        assertThat(locator.getRoutes().map(Route::getId).collectList().block()).containsExactly("route-b");
        assertThat(this.live.of(MockServerWebExchange.from(MockServerHttpRequest.get("/"))))
                .isSameAs(this.second);
    }

    private static ActiveConfiguration configuration(String version, String routeId) {
        Route route = Route.async()
                .id(routeId)
                .uri("http://localhost:1")
                .predicate(exchange -> true)
                .build();
        CompiledRoutes compiled = CompiledRoutes.of(
                RoutePolicies.of(new RouteProperties(Map.of()), List.of(routeId), TestModes.REGISTRY),
                Map.of(),
                TestModes.REGISTRY);
        return new ActiveConfiguration(
                version,
                Instant.now(),
                List.of(route),
                compiled,
                Map.of(),
                null,
                new ActiveConfiguration.Sources(Map.of(), Map.of(), Map.of(), Map.of(), Map.of()),
                null,
                Map.of(),
                null);
    }
}
