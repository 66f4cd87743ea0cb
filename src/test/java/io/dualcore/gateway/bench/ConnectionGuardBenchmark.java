package io.dualcore.gateway.bench;

import io.dualcore.gateway.web.ConnectionGuard;
import io.dualcore.gateway.web.ConnectionLimits;
import io.dualcore.gateway.web.ConnectionProperties;
import io.dualcore.gateway.web.ProblemResponses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.netty.NettyPipeline;

/**
 * What the connection guard adds to one keep-alive request on an HTTP/1.1 connection: a GET decoded and a small
 * response encoded through Netty's codec, with and without the guard around it (run with {@code -prof gc} for the
 * allocation per request).
 *
 * <p>Run (after {@code test-compile} and {@code dependency:build-classpath}, see {@code bench/README.md}):
 * {@code java -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" org.openjdk.jmh.Main
 * ConnectionGuardBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class ConnectionGuardBenchmark {

    private static final byte[] REQUEST =
            "GET /api/orders/42 HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer x\r\nAccept: */*\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1);

    private static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.ISO_8859_1);

    @Param({"false", "true"})
    public boolean guarded;

    private EmbeddedChannel channel;

    @Setup
    public void setUp() {
        this.channel = new EmbeddedChannel();
        this.channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
        if (this.guarded) {
            ConnectionGuard.install(
                    this.channel.pipeline(),
                    ConnectionProperties.defaults(),
                    new ConnectionLimits("gateway", 10),
                    new ProblemResponses("dualcore-gateway", 1));
        }
    }

    @Benchmark
    public int request() {
        this.channel.writeInbound(Unpooled.wrappedBuffer(REQUEST));
        int messages = 0;
        for (Object message = this.channel.readInbound(); message != null; message = this.channel.readInbound()) {
            ReferenceCountUtil.release(message);
            messages++;
        }
        DefaultFullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(BODY));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
        this.channel.writeOutbound(response);
        for (Object message = this.channel.readOutbound(); message != null; message = this.channel.readOutbound()) {
            messages += ((ByteBuf) message).readableBytes();
            ReferenceCountUtil.release(message);
        }
        return messages;
    }
}
