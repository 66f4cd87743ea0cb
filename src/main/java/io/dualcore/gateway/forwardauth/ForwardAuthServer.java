package io.dualcore.gateway.forwardauth;

import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.util.Assert;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The decision API's own listener: a Reactor Netty server beside the gateway's, started and stopped with the
 * context, serving only the {@link ForwardAuthHandler}, with the gateway port's connection limits and timeouts
 * ({@code dualcore.connections}: maximum connections, header-read, body-read and keep-alive timeouts, the
 * malformed-request answer) counted under its own name.
 */
public final class ForwardAuthServer implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(ForwardAuthServer.class);

    private final ForwardAuthHandler handler;

    private final DecisionApiProperties settings;

    private final NettyServerCustomizer connectionLimits;

    private volatile DisposableServer server;

    /** A listener without connection limits (tests of the handler alone): only a 60 s idle timeout. */
    public ForwardAuthServer(ForwardAuthHandler handler, DecisionApiProperties settings) {
        this(handler, settings, server -> server.idleTimeout(Duration.ofSeconds(60)));
    }

    /**
     * @param connectionLimits the connection limits and timeouts applied to the listener (its idle connections are
     *     closed after their {@code keep-alive-timeout}, as on the gateway port)
     */
    public ForwardAuthServer(
            ForwardAuthHandler handler, DecisionApiProperties settings, NettyServerCustomizer connectionLimits) {
        Assert.notNull(handler, "handler cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        Assert.notNull(connectionLimits, "connectionLimits cannot be null");
        this.handler = handler;
        this.settings = settings;
        this.connectionLimits = connectionLimits;
    }

    @Override
    public void start() {
        ReactorHttpHandlerAdapter adapter = new ReactorHttpHandlerAdapter(
                WebHttpHandlerBuilder.webHandler(this.handler).build());
        HttpServer server = HttpServer.create()
                .host(this.settings.address())
                .port(this.settings.port())
                .httpRequestDecoder(spec -> spec.maxHeaderSize(this.settings.maxHeaderSize()));
        this.server = this.connectionLimits.apply(server).handle(adapter).bindNow();
        logger.info("Decision API (forward-auth) listening on " + this.settings.address() + ":" + port());
    }

    @Override
    public void stop() {
        DisposableServer running = this.server;
        if (running != null) {
            running.disposeNow(Duration.ofSeconds(5));
            this.server = null;
        }
    }

    @Override
    public boolean isRunning() {
        return this.server != null;
    }

    /** The bound port, or {@code -1} when not running. */
    public int port() {
        DisposableServer running = this.server;
        return (running != null) ? running.port() : -1;
    }
}
