package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.ReactorNettyExchanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * The cheaper header filters give exactly what Spring Cloud Gateway's give, one by one and chained as shipped: names,
 * order, spelling, values.
 */
class HopByHopHeadersFilterTests {

    /** A client's request with every hop-by-hop header, Connection options, and names in several spellings. */
    private static final String[] LINES = {
        "Accept: */*",
        "Connection: keep-alive, X-Custom",
        "Connection: \"Upgrade\" , x-other-hop",
        "X-Custom: a",
        "x-custom: b",
        "X-Other-Hop: c",
        "Keep-Alive: timeout=5",
        "TE: trailers",
        "Trailer: Expires",
        "Upgrade: websocket",
        "Proxy-Authorization: Basic eDp5",
        "Proxy-Authenticate: Basic",
        "X-Application-Context: app",
        "Authorization: Bearer abc",
        "accept: text/html",
        "X-Kept: 1",
        "Forwarded: for=10.0.0.1",
        "X-Forwarded-For: 10.0.0.1",
        "x-forwarded-host: evil.example",
        "X-Forwarded: not a prefix match",
        "ACCEPT: application/json"
    };

    private final RemoveHopByHopHeadersFilter stock = new RemoveHopByHopHeadersFilter();

    private final HopByHopHeadersFilter filter = HopByHopHeadersFilter.of(this.stock);

    @Test
    void filterWhenRequestAsReactorNettyReceivedItThenSameHeadersAsTheStockFilter() {
        List<List<String>> results = ReactorNettyExchanges.apply(
                List.of(),
                exchange -> {
                    assertThat(ReceivedHeaders.of(exchange.getRequest()))
                            .as("the Netty lines are read")
                            .isNotNull();
                    return both(exchange.getRequest().getHeaders(), exchange);
                },
                LINES);

        assertThat(results.get(1)).isEqualTo(results.get(0));
        assertThat(results.get(1))
                .containsExactly(
                        "Host=[gateway.test]",
                        "Accept=[*/*, text/html, application/json]",
                        "Authorization=[Bearer abc]",
                        "X-Kept=[1]",
                        "Forwarded=[for=10.0.0.1]",
                        "X-Forwarded-For=[10.0.0.1]",
                        "x-forwarded-host=[evil.example]",
                        "X-Forwarded=[not a prefix match]");
    }

    @Test
    void filterRequestWhenShippedFiltersOnReactorNettyRequestThenSameHeadersAsTheStockFilters() {
        List<List<String>> results = ReactorNettyExchanges.apply(
                List.of(),
                exchange -> List.of(
                        describe(HttpHeadersFilter.filterRequest(stockChain(), exchange)),
                        describe(HttpHeadersFilter.filterRequest(chain(), exchange))),
                LINES);

        assertThat(results.get(1)).isEqualTo(results.get(0));
        assertThat(results.get(1))
                .containsExactly(
                        "Host=[gateway.test]",
                        "Accept=[*/*, text/html, application/json]",
                        "Authorization=[Bearer abc]",
                        "X-Kept=[1]",
                        "X-Forwarded=[not a prefix match]");
    }

    @Test
    void filterRequestWhenShippedFiltersOnMutatedRequestThenSameHeadersAsTheStockFilters() {
        List<List<String>> results = ReactorNettyExchanges.apply(
                List.of(),
                received -> {
                    ServerWebExchange exchange = received.mutate()
                            .request(request -> request.header("X-Added", "1"))
                            .build();
                    return List.of(
                            describe(HttpHeadersFilter.filterRequest(stockChain(), exchange)),
                            describe(HttpHeadersFilter.filterRequest(chain(), exchange)));
                },
                LINES);

        assertThat(results.get(1)).isEqualTo(results.get(0)).contains("X-Added=[1]");
    }

    @Test
    void filterRequestWhenTransferEncodingAndContentLengthThenSameHeadersAsTheStockFilters() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/api/x")
                .header("Transfer-Encoding", " Chunked ")
                .header("Content-Length", "12")
                .header("X-Forwarded-Proto", "https")
                .header("X-Kept", "1"));

        List<String> expected = describe(HttpHeadersFilter.filterRequest(stockChain(), exchange));

        assertThat(describe(HttpHeadersFilter.filterRequest(chain(), exchange)))
                .isEqualTo(expected)
                .containsExactly("X-Kept=[1]");
    }

    /** The shipped request header filters (no trusted proxy) in their order, as Spring Cloud Gateway declares them. */
    private List<HttpHeadersFilter> stockChain() {
        return List.of(
                new RemoveForwardedHeadersFilter(),
                new RemoveXForwardedHeadersFilter(),
                new TransferEncodingNormalizationHeadersFilter(),
                this.stock);
    }

    private List<HttpHeadersFilter> chain() {
        return List.of(
                new ForwardedHeadersRemovalFilter(),
                new XForwardedHeadersRemovalFilter(),
                new TransferEncodingNormalizationHeadersFilter(),
                this.filter);
    }

    @Test
    void filterWhenMockRequestThenSameHeadersAsTheStockFilter() {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/api/x");
        for (String line : LINES) {
            int colon = line.indexOf(':');
            request.header(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        MockServerWebExchange exchange = MockServerWebExchange.from(request.build());

        List<List<String>> results = both(exchange.getRequest().getHeaders(), exchange);

        assertThat(results.get(1)).isEqualTo(results.get(0));
        assertThat(results.get(1)).contains("X-Kept=[1]").noneMatch(header -> header.startsWith("X-Custom"));
    }

    @Test
    void filterWhenHeadersOfAnotherFilterThenSameHeadersAsTheStockFilter() {
        HttpHeaders upstream = new HttpHeaders();
        upstream.add("Content-Type", "application/json");
        upstream.add("Connection", "close, X-Hop");
        upstream.add("X-Hop", "1");
        upstream.add("Transfer-Encoding", "chunked");
        upstream.add("X-Forwarded-For", "10.0.0.1");
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));

        List<List<String>> results = both(upstream, exchange);

        assertThat(results.get(1)).isEqualTo(results.get(0));
        assertThat(results.get(1)).containsExactly("Content-Type=[application/json]", "X-Forwarded-For=[10.0.0.1]");
    }

    @Test
    void filterWhenUpstreamResponseCopyThenHopByHopHeadersRemovedInPlaceAsTheStockFilterRemovesThem() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        exchange.getAttributes().put(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR, new Object());
        HttpHeaders expected = this.stock.filter(upstreamResponse(), exchange);
        HttpHeaders response = upstreamResponse();

        HttpHeaders filtered = this.filter.filter(response, exchange);

        assertThat(filtered).as("no copy of the routing filter's own headers").isSameAs(response);
        assertThat(describe(filtered))
                .isEqualTo(describe(expected))
                .containsExactly("Content-Type=[application/json]", "x-kept=[1, 2]", "X-Forwarded-For=[10.0.0.1]");
    }

    @Test
    void filterWhenResponseHeadersReadOnlyOrNoUpstreamAnswerYetThenCopiedAndLeftAsTheyWere() {
        MockServerWebExchange answered = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        answered.getAttributes().put(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR, new Object());
        HttpHeaders readOnly = HttpHeaders.readOnlyHttpHeaders(upstreamResponse());
        HttpHeaders beforeAnswer = upstreamResponse();

        HttpHeaders fromReadOnly = this.filter.filter(readOnly, answered);
        HttpHeaders fromPlain =
                this.filter.filter(beforeAnswer, MockServerWebExchange.from(MockServerHttpRequest.get("/api/x")));

        assertThat(fromReadOnly).isNotSameAs(readOnly);
        assertThat(describe(readOnly)).isEqualTo(describe(upstreamResponse()));
        assertThat(fromPlain).isNotSameAs(beforeAnswer);
        assertThat(describe(beforeAnswer)).isEqualTo(describe(upstreamResponse()));
        assertThat(describe(fromReadOnly)).isEqualTo(describe(fromPlain)).doesNotContain("Keep-Alive=[timeout=5]");
    }

    /** An upstream response's headers as Spring Cloud Gateway's routing filter copies them (a new HttpHeaders). */
    private static HttpHeaders upstreamResponse() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("Content-Type", "application/json");
        headers.add("Connection", "keep-alive, X-Hop");
        headers.add("Keep-Alive", "timeout=5");
        headers.add("x-kept", "1");
        headers.add("X-HOP", "1");
        headers.add("X-Kept", "2");
        headers.add("Transfer-Encoding", "chunked");
        headers.add("X-Forwarded-For", "10.0.0.1");
        return headers;
    }

    @Test
    void filterWhenConfiguredHeadersThenThoseRemovedAsTheStockFilterDoes() {
        this.stock.setHeaders(Set.of("X-Drop", "connection"));
        HopByHopHeadersFilter configured = HopByHopHeadersFilter.of(this.stock);
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x")
                .header("x-DROP", "1")
                .header("Keep-Alive", "timeout=5")
                .header("Connection", "close"));

        HttpHeaders expected = this.stock.filter(exchange.getRequest().getHeaders(), exchange);
        HttpHeaders actual = configured.filter(exchange.getRequest().getHeaders(), exchange);

        assertThat(describe(actual)).isEqualTo(describe(expected)).containsExactly("Keep-Alive=[timeout=5]");
        assertThat(configured.getOrder()).isEqualTo(this.stock.getOrder());
    }

    @Test
    void lowerCaseComparisonsWhenNonAsciiNameThenAsToLowerCaseRoot() {
        assertThat(UpstreamHeaderCopy.startsWithLowerCase("X-FORWARDED-For", "x-forwarded-"))
                .isTrue();
        assertThat(UpstreamHeaderCopy.startsWithLowerCase("X-Forwarded", "x-forwarded-"))
                .isFalse();
        assertThat(UpstreamHeaderCopy.startsWithLowerCase("X-Forwarded-\u212A", "x-forwarded-"))
                .isTrue();
        assertThat(UpstreamHeaderCopy.equalsLowerCase("\u212Aeep-Alive", "keep-alive"))
                .isTrue();
        assertThat(UpstreamHeaderCopy.equalsLowerCase("Keep-Alive", "keep-alive"))
                .isTrue();
        assertThat(UpstreamHeaderCopy.equalsLowerCase("Keep-Alivf", "keep-alive"))
                .isFalse();
    }

    @Test
    void removesWhenNonAsciiNameThenComparedLowerCasedAsTheStockFilterDoes() {
        String[] removed = {"keep-alive", "upgrade"};

        // the Kelvin sign lower-cases to an ASCII k
        assertThat(HopByHopHeadersFilter.removes("\u212Aeep-Alive", removed, null))
                .isTrue();
        assertThat(HopByHopHeadersFilter.removes("KEEP-ALIVE", removed, null)).isTrue();
        assertThat(HopByHopHeadersFilter.removes("Keep-Alive2", removed, null)).isFalse();
        assertThat(HopByHopHeadersFilter.removes("X-Opt", removed, new String[] {"x-opt"}))
                .isTrue();
        assertThat(HopByHopHeadersFilter.removes("X-Opt", removed, new String[] {"x-\u00f6pt"}))
                .isFalse();
    }

    private List<List<String>> both(HttpHeaders headers, ServerWebExchange exchange) {
        return List.of(describe(this.stock.filter(headers, exchange)), describe(this.filter.filter(headers, exchange)));
    }

    /** Every header in iteration order, as spelled, with its values. */
    private static List<String> describe(HttpHeaders headers) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, List<String>> header : headers.headerSet()) {
            lines.add(header.getKey() + "=" + header.getValue());
        }
        return lines;
    }
}
