package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestBodyTimeoutException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

class UpstreamFailureFilterTests {

    private final UpstreamFailureFilter filter = new UpstreamFailureFilter(new ProblemResponses("dualcore-gateway", 5));

    @Test
    void filterWhenUpstreamRefusesConnectionThenBadGatewayProblem() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        this.filter
                .filter(exchange, e -> Mono.error(new ConnectException("Connection refused")))
                .block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(502);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(1)))
                .contains("\"code\":\"upstream_unavailable\"");
        assertThat(exchange.getResponse().getHeaders().getFirst("WWW-Authenticate"))
                .isNull();
    }

    @Test
    void filterWhenUpstreamCertificateUntrustedThenBadGatewayTlsProblem() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        this.filter
                .filter(
                        exchange,
                        e -> Mono.error(new IllegalStateException(
                                new javax.net.ssl.SSLHandshakeException("PKIX path building failed"))))
                .block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(502);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(1)))
                .contains("\"code\":\"upstream_tls_failed\"");
    }

    @Test
    void filterWhenUpstreamHostUnknownThenBadGatewayProblem() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        this.filter
                .filter(exchange, e -> Mono.error(new java.net.UnknownHostException("Failed to resolve 'core'")))
                .block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(502);
    }

    @Test
    void filterWhenUpstreamTimesOutThenGatewayTimeoutProblem() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        this.filter
                .filter(exchange, e -> Mono.error(new TimeoutException("slow")))
                .block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(504);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(1)))
                .contains("\"code\":\"upstream_timeout\"");
    }

    @Test
    void filterWhenClientBodyTimedOutThenRequestTimeoutProblemNotUpstreamTimeout() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/api/x"));
        this.filter
                .filter(exchange, e -> Mono.error(new IllegalStateException(new RequestBodyTimeoutException())))
                .block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(408);
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(1)))
                .contains("\"code\":\"request_timeout\"");
    }

    @Test
    void filterWhenOtherErrorThenPassedOn() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        assertThatThrownBy(() -> this.filter
                        .filter(exchange, e -> Mono.error(new IllegalStateException("bug")))
                        .block())
                .isInstanceOf(IllegalStateException.class);
    }
}
