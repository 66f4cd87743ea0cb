package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.ReactorNettyExchanges;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

/** Netty's header lines are read only where they are exactly the request's headers. */
class ReceivedHeadersTests {

    @Test
    void ofWhenReactorNettyRequestThenItsNettyHeaders() {
        String value = ReactorNettyExchanges.apply(
                List.of(), exchange -> ReceivedHeaders.of(exchange.getRequest()).get("X-Sent"), "X-Sent: 1");

        assertThat(value).isEqualTo("1");
    }

    @Test
    void ofWhenRequestMutatedThenNull() {
        boolean read = ReactorNettyExchanges.apply(
                List.of(),
                exchange -> ReceivedHeaders.of(exchange.getRequest()
                                .mutate()
                                .header("X-Added", "1")
                                .build())
                        != null,
                "X-Sent: 1");

        assertThat(read)
                .as("a mutated request's headers may differ from the received ones")
                .isFalse();
    }

    @Test
    void ofWhenRequestDecoratedThenNull() {
        boolean read = ReactorNettyExchanges.apply(
                List.of(),
                exchange -> ReceivedHeaders.of(new ServerHttpRequestDecorator(exchange.getRequest())) != null,
                "X-Sent: 1");

        assertThat(read).isFalse();
    }

    @Test
    void ofWhenMockRequestThenNull() {
        assertThat(ReceivedHeaders.of(MockServerHttpRequest.get("/x").build())).isNull();
    }
}
