package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.web.RequestPathProperties.EscapedSlashesAction;
import io.dualcore.gateway.web.RequestPathProperties.PathParametersAction;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

class RequestPathWebFilterTests {

    private final List<ErrorCode> refusals = new ArrayList<>();

    private final AtomicReference<ServerWebExchange> forwarded = new AtomicReference<>();

    private final WebFilterChain chain = exchange -> {
        this.forwarded.set(exchange);
        return Mono.empty();
    };

    @Test
    void filterWhenPathCanonicalThenSameExchangeContinues() {
        MockServerWebExchange exchange = exchange("/api/orders/42?x=1");
        filter(RequestPathProperties.defaults()).filter(exchange, this.chain).block();
        assertThat(this.forwarded.get()).isSameAs(exchange);
        assertThat(this.refusals).isEmpty();
    }

    @Test
    void filterWhenPathNotCanonicalThenRequestCarriesCanonicalPathAndQueryUnchanged() {
        MockServerWebExchange exchange = exchange("/api/public/x/../../admin/users?q=%2e%2e/../a&b=%2F");
        filter(RequestPathProperties.defaults()).filter(exchange, this.chain).block();
        ServerWebExchange next = this.forwarded.get();
        assertThat(next.getRequest().getPath().value()).isEqualTo("/api/admin/users");
        assertThat(next.getRequest().getURI().getRawPath()).isEqualTo("/api/admin/users");
        assertThat(next.getRequest().getURI().getRawQuery()).isEqualTo("q=%2e%2e/../a&b=%2F");
        assertThat(next.getRequest().getURI().getHost()).isEqualTo("gateway.example");
    }

    @Test
    void filterWhenPathRefusedThenProblemWithoutChallengeObservedOnceAndNotForwarded() {
        MockServerWebExchange exchange = exchange("/api/public/..%2fadmin/users");
        filter(RequestPathProperties.defaults()).filter(exchange, this.chain).block();
        assertThat(this.forwarded.get()).isNull();
        assertThat(this.refusals).containsExactly(ErrorCode.INVALID_PATH);
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(exchange.getResponse().getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(exchange.getResponse().getHeaders().containsHeader(HttpHeaders.WWW_AUTHENTICATE))
                .isFalse();
        assertThat(exchange.getResponse().getBodyAsString().block())
                .contains("\"code\":\"invalid_path\"")
                .contains("escaped slash");
    }

    @Test
    void filterWhenSeveralHostHeadersThenInvalidRequestTarget() {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                MockServerHttpRequest.get("/api/public/health").header(HttpHeaders.HOST, "a.example", "b.example"));
        filter(RequestPathProperties.defaults()).filter(exchange, this.chain).block();
        assertThat(this.forwarded.get()).isNull();
        assertThat(this.refusals).containsExactly(ErrorCode.INVALID_REQUEST_TARGET);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains("\"code\":\"invalid_request_target\"");
    }

    @Test
    void filterWhenUnescapeAndRedirectThenTemporaryRedirectToCanonicalPathWithQuery() {
        RequestPathProperties redirect = new RequestPathProperties(
                true, true, EscapedSlashesAction.UNESCAPE_AND_REDIRECT, PathParametersAction.REJECT);
        MockServerWebExchange exchange = exchange("/api/public/..%2Fadmin/users?x=1");
        filter(redirect).filter(exchange, this.chain).block();
        assertThat(this.forwarded.get()).isNull();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.TEMPORARY_REDIRECT);
        assertThat(exchange.getResponse().getHeaders().getLocation()).isEqualTo(URI.create("/api/admin/users?x=1"));
        // without escaped slashes the same setting forwards the canonical path
        MockServerWebExchange dots = exchange("/api/public/../admin/users");
        filter(redirect).filter(dots, this.chain).block();
        assertThat(this.forwarded.get().getRequest().getPath().value()).isEqualTo("/api/admin/users");
    }

    private RequestPathWebFilter filter(RequestPathProperties settings) {
        return new RequestPathWebFilter(
                new PathCanonicalizer(settings),
                settings,
                new ProblemResponses("dualcore-gateway", 5),
                (exchange, code) -> this.refusals.add(code));
    }

    private static MockServerWebExchange exchange(String pathAndQuery) {
        return MockServerWebExchange.from(MockServerHttpRequest.method(
                        org.springframework.http.HttpMethod.GET, URI.create("http://gateway.example" + pathAndQuery))
                .header(HttpHeaders.HOST, "gateway.example"));
    }
}
