package io.dualcore.gateway.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;

/** The status a proxied request is recorded with (audit line, metrics): a client that went away is never a 5xx. */
class RouteStepStatusTests {

    @Test
    void statusWhenErrorAndTheClientConnectionIsClosedThenClientClosed() {
        ServerWebExchange exchange = exchangeOn(connection(true));

        assertThat(RouteStep.statusOf(exchange, SignalType.ON_ERROR)).isEqualTo(RouteStep.CLIENT_CLOSED);
    }

    @Test
    void statusWhenErrorAndTheClientIsStillConnectedThenServerError() {
        ServerWebExchange exchange = exchangeOn(connection(false));

        assertThat(RouteStep.statusOf(exchange, SignalType.ON_ERROR)).isEqualTo(500);
    }

    @Test
    void statusWhenErrorOnARequestWithoutAConnectionThenServerError() {
        ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders"));

        assertThat(RouteStep.statusOf(exchange, SignalType.ON_ERROR)).isEqualTo(500);
    }

    @Test
    void statusWhenMutatedRequestOverAClosedConnectionThenClientClosed() {
        ServerWebExchange exchange = exchangeOn(connection(true));
        ServerWebExchange mutated =
                exchange.mutate().request(r -> r.header("X-Upstream", "1")).build();

        assertThat(RouteStep.statusOf(mutated, SignalType.ON_ERROR)).isEqualTo(RouteStep.CLIENT_CLOSED);
    }

    @Test
    void statusWhenCancelledThenClientClosedAndWhenCompletedThenTheResponseStatus() {
        ServerWebExchange exchange = exchangeOn(connection(false));
        assertThat(RouteStep.statusOf(exchange, SignalType.CANCEL)).isEqualTo(RouteStep.CLIENT_CLOSED);

        exchange.getResponse().setStatusCode(HttpStatus.BAD_GATEWAY);
        assertThat(RouteStep.statusOf(exchange, SignalType.ON_COMPLETE)).isEqualTo(502);
    }

    private static Connection connection(boolean disposed) {
        Connection connection = mock(Connection.class);
        when(connection.isDisposed()).thenReturn(disposed);
        return connection;
    }

    private static ServerWebExchange exchangeOn(Connection connection) {
        return new DefaultServerWebExchange(
                new NativeRequest(connection),
                new MockServerHttpResponse(),
                new DefaultWebSessionManager(),
                ServerCodecConfigurer.create(),
                new AcceptHeaderLocaleContextResolver());
    }

    /** A server request whose native request is a Reactor Netty connection, as Reactor Netty's own is. */
    private static final class NativeRequest extends AbstractServerHttpRequest {

        private final Connection connection;

        NativeRequest(Connection connection) {
            super(HttpMethod.GET, URI.create("http://gateway.test/api/orders"), "", new HttpHeaders());
            this.connection = connection;
        }

        @Override
        protected MultiValueMap<String, HttpCookie> initCookies() {
            return new LinkedMultiValueMap<>();
        }

        @Override
        protected SslInfo initSslInfo() {
            return null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getNativeRequest() {
            return (T) this.connection;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.empty();
        }
    }
}
