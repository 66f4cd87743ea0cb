package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.web.ConnectionLimits.CloseReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

/**
 * The guard in a Netty pipeline of its own (an HTTP/1.1 codec between its two handlers), on the embedded event loop's
 * controlled clock: header 30 s, body 20 s, keep-alive 75 s.
 */
class ConnectionGuardTests {

    private final ConnectionProperties properties = new ConnectionProperties(
            Duration.ofSeconds(30),
            Duration.ofSeconds(20),
            Duration.ofSeconds(75),
            10,
            10,
            100,
            200,
            Duration.ofSeconds(30));

    private final ConnectionLimits limits = new ConnectionLimits("gateway", 10);

    private EmbeddedChannel channel;

    @BeforeEach
    void connect() {
        this.channel = new EmbeddedChannel();
        this.channel.freezeTime();
        this.channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
        ConnectionGuard.install(
                this.channel.pipeline(), this.properties, this.limits, new ProblemResponses("dualcore-gateway", 1));
        this.channel.pipeline().addLast(this.exchangeErrors);
    }

    /** Stands for Reactor Netty's bridge: the errors signalled into the request. */
    private final ExchangeErrors exchangeErrors = new ExchangeErrors();

    private static final class ExchangeErrors extends ChannelInboundHandlerAdapter {

        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            this.errors.add(cause);
        }
    }

    @Test
    void silentConnectionWhenHeaderTimeoutPassesThenClosedWithoutAnswer() {
        advance(29);
        assertThat(this.channel.isOpen()).isTrue();
        advance(1);
        assertThat(this.channel.isOpen()).isFalse();
        assertThat(outbound()).isEmpty();
        assertThat(this.limits.closedCount(CloseReason.HEADER_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void trickledHeadWhenBytesKeepComingThen408AtTheWholeHeadDeadline() {
        advance(10);
        send("GET /api/x HTTP/1.1\r\n");
        for (int second = 0; second < 29; second++) {
            send("X");
            advance(1);
            assertThat(this.channel.isOpen()).as("second " + second).isTrue();
        }
        send("X");
        advance(1);
        assertThat(this.channel.isOpen()).isFalse();
        String answer = outbound();
        assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        assertThat(answer.toLowerCase())
                .contains("connection: close")
                .contains("content-type: application/problem+json");
        assertThat(answer).contains("\"code\":\"request_timeout\"").doesNotContain("\"instance\"");
        assertThat(this.limits.closedCount(CloseReason.HEADER_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void headWhenCompleteWithinTimeoutThenRequestPassedOnAndNoDeadlineWhileAnswering() {
        send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(inboundRequest().uri()).isEqualTo("/api/x");
        // the gateway takes its time (an upstream): the client owes nothing, no deadline of its own applies
        advance(600);
        assertThat(this.channel.isOpen()).isTrue();
        assertThat(outbound()).isEmpty();
    }

    @Test
    void stalledBodyWhenBodyTimeoutPassesThenExchangeToldAndItsAnswerClosesTheConnection() {
        send("POST /api/orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        inboundRequest();
        advance(15);
        send("de");
        advance(19);
        assertThat(this.exchangeErrors.errors)
                .as("each read restarts the body deadline")
                .isEmpty();
        advance(1);
        assertThat(this.exchangeErrors.errors).singleElement().isInstanceOf(RequestBodyTimeoutException.class);
        assertThat(this.limits.closedCount(CloseReason.BODY_TIMEOUT)).isEqualTo(1);
        // the gateway's answer (UpstreamFailureFilter's 408 problem) goes out with Connection: close, then the close
        answer(HttpResponseStatus.REQUEST_TIMEOUT);
        String answer = outbound();
        assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        assertThat(answer.toLowerCase()).contains("connection: close");
        assertThat(this.channel.isOpen()).isFalse();
    }

    @Test
    void stalledBodyWhenExchangeDoesNotAnswerInTimeThenOwn408WithThePathAndClosed() {
        send("POST /api/orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        inboundRequest();
        advance(20);
        assertThat(this.exchangeErrors.errors).hasSize(1);
        assertThat(this.channel.isOpen()).isTrue();
        advance(5);
        assertThat(this.channel.isOpen()).isFalse();
        String answer = outbound();
        assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        assertThat(answer).contains("\"code\":\"request_timeout\"").contains("\"instance\":\"/api/orders\"");
        assertThat(this.limits.closedCount(CloseReason.BODY_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void expectContinueWhenGatewaySlowToAskForTheBodyThenNoBodyDeadlineUntil100Sent() {
        send("POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
        inboundRequest();
        advance(120);
        assertThat(this.exchangeErrors.errors)
                .as("the client waits for 100 Continue, it does not stall")
                .isEmpty();
        this.channel.writeOutbound(
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.buffer(0)));
        assertThat(outbound()).startsWith("HTTP/1.1 100 Continue");
        advance(19);
        assertThat(this.exchangeErrors.errors).isEmpty();
        advance(1);
        assertThat(this.exchangeErrors.errors).singleElement().isInstanceOf(RequestBodyTimeoutException.class);
    }

    @Test
    void stalledBodyWhenResponseAlreadyStartedThenClosedWithout408() {
        send("POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        inboundRequest();
        this.channel.writeOutbound(
                new io.netty.handler.codec.http.DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        outbound();
        advance(20);
        assertThat(this.channel.isOpen()).isFalse();
        assertThat(outbound()).isEmpty();
    }

    @Test
    void keepAliveWhenIdleAfterAnswerThenClosedAtKeepAliveNotHeaderTimeout() {
        send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
        inboundRequest();
        advance(50);
        answer(HttpResponseStatus.OK);
        assertThat(outbound()).startsWith("HTTP/1.1 200 OK");
        advance(74);
        assertThat(this.channel.isOpen()).isTrue();
        advance(1);
        assertThat(this.channel.isOpen()).isFalse();
        assertThat(outbound()).isEmpty();
        assertThat(this.limits.closedCount(CloseReason.KEEP_ALIVE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void nextHeadOnKeepAliveWhenTrickledThenHeaderDeadlineFromItsFirstByte() {
        send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
        inboundRequest();
        answer(HttpResponseStatus.OK);
        outbound();
        advance(60);
        send("G");
        advance(29);
        assertThat(this.channel.isOpen()).isTrue();
        advance(1);
        assertThat(this.channel.isOpen()).isFalse();
        assertThat(outbound()).startsWith("HTTP/1.1 408 ");
    }

    @Test
    void decoderFailureWhenBare400WrittenThenProblemBodyAndClose() {
        send("GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n");
        HttpRequest request = inboundRequest();
        assertThat(request.decoderResult().isFailure()).isTrue();
        this.channel.writeOutbound(bare(HttpResponseStatus.BAD_REQUEST));
        String answer = outbound();
        assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("\"code\":\"malformed_request\"");
        assertThat(answer.toLowerCase()).contains("connection: close");
        assertThat(this.channel.isOpen()).isFalse();
        assertThat(this.limits.closedCount(CloseReason.MALFORMED_REQUEST)).isEqualTo(1);
    }

    @Test
    void chunkFramingWhenBrokenThenBare400BecomesMalformedRequestProblem() {
        send("POST /api/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        inboundRequest();
        this.channel.writeOutbound(bare(HttpResponseStatus.BAD_REQUEST));
        assertThat(outbound()).contains("\"code\":\"malformed_request\"");
        assertThat(this.channel.isOpen()).isFalse();
    }

    @Test
    void upgradeWhenSwitchingProtocolsThenGuardLeavesTheConnection() {
        send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        inboundRequest();
        this.channel.writeOutbound(new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.buffer(0)));
        assertThat(outbound()).startsWith("HTTP/1.1 101 ");
        assertThat(this.channel.pipeline().get(ConnectionGuard.NAME)).isNull();
        assertThat(this.channel.pipeline().get(ConnectionGuard.BYTES_NAME)).isNull();
        advance(600);
        assertThat(this.channel.isOpen()).isTrue();
    }

    @Test
    void targetNotAUriWhenBare400WrittenThenInvalidRequestTargetProblem() {
        send("GET /a|b HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(inboundRequest().decoderResult().isSuccess()).isTrue();
        this.channel.writeOutbound(bare(HttpResponseStatus.BAD_REQUEST));
        assertThat(outbound()).contains("\"code\":\"invalid_request_target\"");
        assertThat(this.channel.isOpen()).isFalse();
    }

    @Test
    void bare400WhenTargetIsAUriThenPassedOnUnchanged() {
        // an upstream's own empty 400 is its answer, not the server's refusal
        send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n");
        inboundRequest();
        this.channel.writeOutbound(bare(HttpResponseStatus.BAD_REQUEST));
        assertThat(outbound()).startsWith("HTTP/1.1 400 Bad Request\r\n").doesNotContain("problem");
        assertThat(this.channel.isOpen()).isTrue();
    }

    @Test
    void isUriWhenTargetsAsSpringParsesThemThenSameVerdict() {
        assertThat(ConnectionGuard.isUri("/api/a%20b?x=[1]")).isTrue();
        assertThat(ConnectionGuard.isUri("/api/caf\u00e9")).isTrue();
        assertThat(ConnectionGuard.isUri("/a^b")).isFalse();
        assertThat(ConnectionGuard.isUri("/a|b")).isFalse();
        assertThat(ConnectionGuard.isUri("/a%zz")).isFalse();
        assertThat(ConnectionGuard.isUri("http://host:1/a|b")).isFalse();
        assertThat(ConnectionGuard.isUri("http://host:1/a")).isTrue();
        assertThat(ConnectionGuard.isUri("*")).isTrue();
    }

    private static FullHttpResponse bare(HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.buffer(0));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    private void answer(HttpResponseStatus status) {
        this.channel.writeOutbound(bare(status));
    }

    private void send(String bytes) {
        this.channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    private void advance(int seconds) {
        this.channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        this.channel.runScheduledPendingTasks();
    }

    /** The first request passed on, its content released. */
    private HttpRequest inboundRequest() {
        Object message;
        HttpRequest request = null;
        while ((message = this.channel.readInbound()) != null) {
            if (message instanceof HttpRequest decoded && request == null) {
                request = decoded;
            }
            ReferenceCountUtil.release(message);
        }
        assertThat(request).as("a decoded request").isNotNull();
        return request;
    }

    /** Everything written to the socket so far. */
    private String outbound() {
        StringBuilder out = new StringBuilder();
        Object message;
        while ((message = this.channel.readOutbound()) != null) {
            ByteBuf bytes = (ByteBuf) message;
            out.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        return out.toString();
    }
}
