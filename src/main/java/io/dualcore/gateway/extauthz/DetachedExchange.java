package io.dualcore.gateway.extauthz;

import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An exchange that no HTTP server received: the carrier a gRPC call hands the decision engine (which replaces its
 * request with the described one), and the response the gateway's problem writer fills in, read back as status,
 * headers and body for the gRPC answer.
 */
final class DetachedExchange {

    private static final URI CARRIER_URI = URI.create("http://localhost/");

    // shared: the codec configurer is costly to build and only looked up, never changed, by an exchange
    private static final ServerCodecConfigurer CODECS = ServerCodecConfigurer.create();

    private static final DefaultWebSessionManager SESSIONS = new DefaultWebSessionManager();

    private static final AcceptHeaderLocaleContextResolver LOCALES = new AcceptHeaderLocaleContextResolver();

    private DetachedExchange() {}

    /** A new carrier exchange with an empty {@code GET /} request and a {@link CapturingResponse}. */
    static ServerWebExchange create() {
        return new DefaultServerWebExchange(new Request(), new CapturingResponse(), SESSIONS, CODECS, LOCALES);
    }

    /** The response of an exchange made by {@link #create()}. */
    static CapturingResponse response(ServerWebExchange exchange) {
        return (CapturingResponse) exchange.getResponse();
    }

    private static final class Request extends AbstractServerHttpRequest {

        Request() {
            super(HttpMethod.GET, CARRIER_URI, null, new HttpHeaders());
        }

        @Override
        protected MultiValueMap<String, HttpCookie> initCookies() {
            return new LinkedMultiValueMap<>();
        }

        @Override
        protected SslInfo initSslInfo() {
            return null;
        }

        /** As a mock request: no server behind it (readers of the native request fall back to the headers). */
        @Override
        public <T> T getNativeRequest() {
            throw new IllegalStateException("A detached exchange has no native request");
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.empty();
        }
    }

    /** Keeps what is written, for the door to copy into its own answer. */
    static final class CapturingResponse extends AbstractServerHttpResponse {

        private final AtomicReference<byte[]> body = new AtomicReference<>(new byte[0]);

        CapturingResponse() {
            super(DefaultDataBufferFactory.sharedInstance);
        }

        /** The body written so far (empty when none). */
        byte[] body() {
            return this.body.get();
        }

        @Override
        public <T> T getNativeResponse() {
            throw new IllegalStateException("A detached exchange has no native response");
        }

        @Override
        protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
            return DataBufferUtils.join(body)
                    .doOnNext(joined -> {
                        byte[] bytes = new byte[joined.readableByteCount()];
                        joined.read(bytes);
                        DataBufferUtils.release(joined);
                        this.body.set(bytes);
                    })
                    .then();
        }

        @Override
        protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return writeWithInternal(Flux.from(body).concatMap(Flux::from));
        }

        @Override
        protected void applyStatusCode() {}

        @Override
        protected void applyHeaders() {}

        @Override
        protected void applyCookies() {}
    }
}
