package io.dualcore.gateway.web;

import io.dualcore.gateway.web.ConnectionLimits.CloseReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * Applies {@link ConnectionProperties} to one Reactor Netty HTTP server: the connection count and limit on each
 * accepted connection, the {@link ConnectionGuard} on HTTP/1.1 connections, and on HTTP/2 (the TLS listener) the
 * stream limit, the rapid-reset limit (CVE-2023-44487, Netty's {@code decoderEnforceMaxRstFramesPerWindow}) and an
 * idle timeout per connection.
 */
public final class ConnectionLimitsCustomizer implements NettyServerCustomizer {

    static final String NEGOTIATION_NAME = "dualcore.connectionGuard.negotiated";

    static final String HTTP2_IDLE_NAME = "dualcore.connectionGuard.http2Idle";

    private final ConnectionProperties properties;

    private final ConnectionLimits limits;

    private final ProblemResponses problems;

    public ConnectionLimitsCustomizer(
            ConnectionProperties properties, ConnectionLimits limits, ProblemResponses problems) {
        this.properties = properties;
        this.limits = limits;
        this.problems = problems;
    }

    @Override
    public HttpServer apply(HttpServer server) {
        return server.http2Settings(http2 -> http2.maxConcurrentStreams(this.properties.http2MaxConcurrentStreams())
                        .maxDecodedRstFramesPerWindow(this.properties.http2MaxResetsPerWindow(), (int)
                                this.properties.http2ResetWindow().toSeconds()))
                .doOnChannelInit((observer, channel, remoteAddress) -> init(channel));
    }

    /** Runs once per accepted connection, after Reactor Netty built its pipeline. */
    void init(Channel channel) {
        if (!this.limits.admit(channel)) {
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NettyPipeline.H2OrHttp11Codec) != null) {
            // TLS with HTTP/2: the protocol, and so the pipeline, is known once ALPN has chosen
            pipeline.addAfter(NettyPipeline.H2OrHttp11Codec, NEGOTIATION_NAME, new Negotiated());
        } else {
            installFor(pipeline);
        }
    }

    /**
     * The guard around an HTTP/1.1 codec, or the idle timeout before an HTTP/2 one: Reactor Netty names both
     * {@code HttpCodec}, and the HTTP/1.1 guard would see no request on an HTTP/2 connection, so it must never sit
     * there.
     */
    private void installFor(ChannelPipeline pipeline) {
        ChannelHandler codec = pipeline.get(NettyPipeline.HttpCodec);
        if (codec instanceof HttpServerCodec) {
            ConnectionGuard.install(pipeline, this.properties, this.limits, this.problems);
        } else if (codec instanceof Http2FrameCodec) {
            pipeline.addBefore(NettyPipeline.HttpCodec, HTTP2_IDLE_NAME, new Http2Idle());
        }
    }

    /** Completes the pipeline once the TLS handshake chose HTTP/1.1 or HTTP/2. */
    private final class Negotiated extends ChannelInboundHandlerAdapter {

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof SslHandshakeCompletionEvent handshake) {
                ChannelPipeline pipeline = ctx.pipeline();
                pipeline.remove(this);
                if (handshake.isSuccess()) {
                    installFor(pipeline);
                }
            }
            ctx.fireUserEventTriggered(event);
        }
    }

    /**
     * An HTTP/2 connection with no frame in or out for {@code keep-alive-timeout} is closed. Per connection, not per
     * stream: Netty's {@link IdleStateHandler} notes the time of reads and writes and re-arms one timer lazily.
     */
    private final class Http2Idle extends IdleStateHandler {

        Http2Idle() {
            super(
                    0,
                    0,
                    ConnectionLimitsCustomizer.this
                            .properties
                            .keepAliveTimeout()
                            .toNanos(),
                    TimeUnit.NANOSECONDS);
        }

        @Override
        protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
            if (event.state() == IdleState.ALL_IDLE) {
                ConnectionLimitsCustomizer.this.limits.closed(CloseReason.KEEP_ALIVE_TIMEOUT);
                ctx.close();
            }
        }
    }
}
