package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;
import reactor.netty.http.Http2SettingsSpec;
import reactor.netty.http.server.HttpServer;

class ConnectionLimitsCustomizerTests {

    private final ConnectionLimits limits = new ConnectionLimits("gateway", 1);

    private final ConnectionLimitsCustomizer customizer = new ConnectionLimitsCustomizer(
            ConnectionProperties.defaults(), this.limits, new ProblemResponses("dualcore-gateway", 1));

    @Test
    void applyWhenHttp2ThenStreamAndRapidResetLimitsSet() {
        Http2SettingsSpec http2 =
                this.customizer.apply(HttpServer.create()).configuration().http2SettingsSpec();
        assertThat(http2).isNotNull();
        assertThat(http2.maxConcurrentStreams()).isEqualTo(100);
        assertThat(http2.maxDecodedRstFramesPerWindow()).isEqualTo(200);
        assertThat(http2.maxDecodedRstFramesSecondsPerWindow()).isEqualTo(30);
    }

    @Test
    void initWhenHttp11PipelineThenGuardAroundTheCodec() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
        this.customizer.init(channel);
        assertThat(channel.pipeline().names())
                .containsSubsequence(ConnectionGuard.BYTES_NAME, NettyPipeline.HttpCodec, ConnectionGuard.NAME);
        assertThat(this.limits.open()).isEqualTo(1);
    }

    @Test
    void initWhenHttp2CodecThenIdleTimeoutAndNoHttp11Guard() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline()
                .addLast(
                        NettyPipeline.HttpCodec,
                        Http2FrameCodecBuilder.forServer().build());
        this.customizer.init(channel);
        assertThat(channel.pipeline().get(ConnectionGuard.NAME)).isNull();
        assertThat(channel.pipeline().names())
                .containsSubsequence(ConnectionLimitsCustomizer.HTTP2_IDLE_NAME, NettyPipeline.HttpCodec);
    }

    @Test
    void http2ConnectionWhenNoFrameForKeepAliveTimeoutThenClosedAndCounted() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(
                        NettyPipeline.HttpCodec,
                        Http2FrameCodecBuilder.forServer().build());
        this.customizer.init(channel);
        channel.advanceTimeBy(74, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(this.limits.closedCount(ConnectionLimits.CloseReason.KEEP_ALIVE_TIMEOUT))
                .isEqualTo(1);
    }

    @Test
    void initWhenLimitReachedThenClosedAndNoGuard() {
        this.customizer.init(new EmbeddedChannel());
        EmbeddedChannel refused = new EmbeddedChannel();
        refused.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
        this.customizer.init(refused);
        assertThat(refused.isOpen()).isFalse();
        assertThat(refused.pipeline().get(ConnectionGuard.NAME)).isNull();
    }
}
