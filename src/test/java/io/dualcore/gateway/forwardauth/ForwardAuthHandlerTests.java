package io.dualcore.gateway.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class ForwardAuthHandlerTests {

    private final DecisionEngine engine = mock(DecisionEngine.class);

    private ForwardAuthHandler handler(List<String> trustedProxies) {
        return new ForwardAuthHandler(
                this.engine,
                new ProblemResponses("dualcore", 5),
                new DecisionApiProperties(true, "127.0.0.1", 0, trustedProxies, "/envoy", 16384));
    }

    private static MockServerWebExchange from(String address, String path) {
        return MockServerWebExchange.from(MockServerHttpRequest.get(path)
                .remoteAddress(new InetSocketAddress(address, 40000))
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", "/api/orders"));
    }

    @Test
    void handleWhenPeerOutsideTrustedProxiesThen403UntrustedProxyAndNoDecision() {
        MockServerWebExchange exchange = from("192.0.2.10", "/traefik");
        handler(List.of("10.0.0.0/8", "127.0.0.1")).handle(exchange).block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(403);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains("\"code\":\"untrusted_proxy\"");
        verifyNoInteractions(this.engine);
    }

    @Test
    void handleWhenTrustedPeerWithoutOriginalUriThen400OriginalRequestMissing() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/nginx")
                .remoteAddress(new InetSocketAddress("10.1.2.3", 40000))
                .header("X-Original-Method", "GET"));
        handler(List.of("10.0.0.0/8")).handle(exchange).block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(400);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains("\"code\":\"original_request_missing\"");
        verifyNoInteractions(this.engine);
    }

    @Test
    void handleWhenUnknownDoorPathThen404() {
        MockServerWebExchange exchange = from("127.0.0.1", "/somewhere");
        handler(List.of()).handle(exchange).block();
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(404);
        verifyNoInteractions(this.engine);
    }

    @Test
    void constructWhenTrustedProxyNotAnAddressThenStartupErrorNamingTheProperty() {
        assertThatIllegalStateException()
                .isThrownBy(() -> handler(List.of("proxy.example")))
                .withMessageContaining("dualcore.decision-api.trusted-proxies");
    }

    @Test
    void denialWhenEncodedThenDecodedToTheSameRefusal() {
        Decision.Problem problem =
                new Decision.Problem(ErrorCode.RATE_LIMITED, "Rate limit of plan tiny exceeded", null, 42);
        ForwardAuthHandler.Denial decoded =
                ForwardAuthHandler.Denial.decode(ForwardAuthHandler.Denial.encode(problem, "/api/limited/x"));
        assertThat(decoded.problem()).isEqualTo(problem);
        assertThat(decoded.path()).isEqualTo("/api/limited/x");
    }

    @Test
    void denialWhenForgedOrMalformedThenNothingToAnswer() {
        assertThat(ForwardAuthHandler.Denial.decode(null)).isNull();
        assertThat(ForwardAuthHandler.Denial.decode("not base64 !")).isNull();
        assertThat(ForwardAuthHandler.Denial.decode("Zm9v")).isNull();
        String unknownCode = java.util.Base64.getUrlEncoder().encodeToString("allow\n-1\n\n/x\nok".getBytes());
        assertThat(ForwardAuthHandler.Denial.decode(unknownCode)).isNull();
        String pathWithQuery =
                java.util.Base64.getUrlEncoder().encodeToString("no_route\n-1\n\n/x?y\nNo route".getBytes());
        assertThat(ForwardAuthHandler.Denial.decode(pathWithQuery)).isNull();
    }
}
