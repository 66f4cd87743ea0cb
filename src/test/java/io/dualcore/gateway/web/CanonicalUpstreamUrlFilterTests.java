package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.RandomText;
import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The upstream URL: the same as Spring Cloud Gateway's {@link RouteToRequestUrlFilter} followed by the raw path and
 * query of the request (what the gateway did before the two became one filter), for plain and special route URIs.
 */
class CanonicalUpstreamUrlFilterTests {

    private static final List<String> ROUTES = List.of(
            "http://core.internal:8080",
            "http://core.internal",
            "https://core.internal:8443",
            "HTTP://Core.Internal:80",
            "http://127.0.0.1:18400",
            "http://[::1]:9000",
            "https://[2001:db8::1]",
            "http://core.internal:8080/ignored/path?ignored=query",
            "lb://core-service",
            "lb:ws://core-service",
            "ws://core.internal:9000",
            "forward:/local");

    private static final List<String> SEGMENTS = List.of(
            "api",
            "a%20b",
            "%2F",
            "%25",
            "%252F",
            "b;c=d",
            "x=y",
            "~user",
            "%E2%82%AC",
            "a+b",
            "caf%C3%A9",
            "..%2F",
            "%00",
            "-",
            "_",
            ".",
            "v1",
            "%7B%7D",
            "@",
            "!$&'()*,",
            "a:b");

    private static final List<String> QUERIES = List.of(
            "a=1",
            "a[]=1&a[]=2",
            "q=a%20b",
            "q=a+b",
            "x=%25",
            "redirect=http%3A%2F%2Fevil",
            "a=1&a=2",
            "flag",
            "=",
            "a=%E2%82%AC",
            "a=b=c",
            "");

    @Test
    void filterWhenRandomRoutesAndRequestsThenSameUrlAsSpringCloudGatewayWithRawPathAndQuery() {
        RandomText seeded = RandomText.create();
        SplittableRandom random = new SplittableRandom(seeded.seed());
        int compared = 0;
        for (int attempt = 0; attempt < 2_000; attempt++) {
            String routeUri = ROUTES.get(random.nextInt(ROUTES.size()));
            URI request = request(random);
            if (request == null) {
                continue;
            }
            URI expected = stockThenRaw(routeUri, request);
            URI actual = run(new CanonicalUpstreamUrlFilter(), routeUri, request);
            String description = seeded.describe(attempt, routeUri + " <- " + request);
            assertThat(actual).as(description).isEqualTo(expected);
            if (expected != null) {
                assertThat(actual.toString()).as(description).isEqualTo(expected.toString());
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(1_000);
    }

    @Test
    void filterWhenPathHasEncodedPercentThenNotEncodedAgain() {
        URI url = run(
                new CanonicalUpstreamUrlFilter(),
                "http://core.internal:8080",
                URI.create("http://gateway.example/api/a%20b?a[]=1&q=%25"));
        assertThat(url).hasToString("http://core.internal:8080/api/a%20b?a[]=1&q=%25");
        // what Spring Cloud Gateway's own filter does with it: the reason this filter exists
        URI stock = run(
                new RouteToRequestUrlFilter(),
                "http://core.internal:8080",
                URI.create("http://gateway.example/api/a%20b?a[]=1&q=%25"));
        assertThat(stock.getRawPath()).isEqualTo("/api/a%2520b");
    }

    @Test
    void filterWhenSpecialRouteUriThenSpringCloudGatewaysSchemePrefixKept() {
        MockServerWebExchange exchange = exchange("lb:ws://core-service", URI.create("http://gw/api/x%20y?a=1"));
        URI url = filter(new CanonicalUpstreamUrlFilter(), exchange);
        assertThat(url).hasToString("ws://core-service/api/x%20y?a=1");
        assertThat((String) exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_SCHEME_PREFIX_ATTR))
                .isEqualTo("lb");
    }

    @Test
    void filterWhenNoRouteThenNoUrlAndChainContinues() {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                MockServerHttpRequest.get("http://gw/api/x").build());
        AtomicReference<ServerWebExchange> reached = new AtomicReference<>();
        new CanonicalUpstreamUrlFilter()
                .filter(exchange, next -> {
                    reached.set(next);
                    return Mono.empty();
                })
                .block();
        assertThat(reached.get()).isSameAs(exchange);
        assertThat((Object) exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR))
                .isNull();
    }

    @Test
    void orderIsSpringCloudGatewaysRouteToRequestUrlOrder() {
        assertThat(new CanonicalUpstreamUrlFilter().getOrder())
                .isEqualTo(RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER);
    }

    private static URI request(SplittableRandom random) {
        StringBuilder path = new StringBuilder();
        int segments = random.nextInt(0, 5);
        for (int i = 0; i < segments; i++) {
            path.append('/').append(SEGMENTS.get(random.nextInt(SEGMENTS.size())));
        }
        if (path.isEmpty() || random.nextInt(6) == 0) {
            path.append('/');
        }
        String query = (random.nextInt(3) == 0) ? null : QUERIES.get(random.nextInt(QUERIES.size()));
        String text = "http://gateway.example:8080" + path + ((query != null) ? "?" + query : "");
        try {
            return new URI(text);
        } catch (java.net.URISyntaxException ex) {
            return null;
        }
    }

    /** What the gateway did before: Spring Cloud Gateway's filter, then the raw path and query put back. */
    private static URI stockThenRaw(String routeUri, URI request) {
        MockServerWebExchange exchange = exchange(routeUri, request);
        try {
            new RouteToRequestUrlFilter()
                    .filter(exchange, next -> {
                        CanonicalUpstreamUrlFilter.keepRawPathAndQuery(next);
                        return Mono.empty();
                    })
                    .block();
        } catch (RuntimeException ex) {
            return null;
        }
        return exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
    }

    private static URI run(RouteToRequestUrlFilter filter, String routeUri, URI request) {
        try {
            return filter(filter, exchange(routeUri, request));
        } catch (RuntimeException ex) {
            return null;
        }
    }

    private static URI filter(RouteToRequestUrlFilter filter, MockServerWebExchange exchange) {
        GatewayFilterChain end = next -> Mono.empty();
        filter.filter(exchange, end).block();
        return exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
    }

    private static MockServerWebExchange exchange(String routeUri, URI request) {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                MockServerHttpRequest.method(HttpMethod.GET, request).build());
        Route route = Route.async()
                .id("route")
                .uri(URI.create(routeUri))
                .predicate(ignored -> true)
                .build();
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
        return exchange;
    }
}
