package io.dualcore.gateway.extauthz;

import io.dualcore.gateway.web.PeerAllowList;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

/**
 * The {@code ext_authz} gRPC listener: a grpc-java server beside the gateway's, started and stopped with the
 * context, serving only the {@link ExtAuthzService} to the peers in {@code allowed-peers}. Calls run on the transport's event loop (the decision never
 * blocks: a key fetch or UserInfo call is reactive), so no thread pool sits between Envoy and the engine.
 */
public final class ExtAuthzServer implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(ExtAuthzServer.class);

    private final ExtAuthzService service;

    private final ExtAuthzGrpcProperties settings;

    private final PeerAllowListInterceptor peers;

    private volatile Server server;

    public ExtAuthzServer(ExtAuthzService service, ExtAuthzGrpcProperties settings) {
        Assert.notNull(service, "service cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        this.service = service;
        this.settings = settings;
        // checked at startup: an entry that is not an address or CIDR block stops the context, naming the property
        this.peers = new PeerAllowListInterceptor(
                PeerAllowList.of("dualcore.ext-authz.grpc.allowed-peers", settings.allowedPeers()));
    }

    @Override
    public void start() {
        Server built = NettyServerBuilder.forAddress(
                        new InetSocketAddress(this.settings.address(), this.settings.port()))
                .addService(ServerInterceptors.intercept(this.service, this.peers))
                .directExecutor()
                .maxConcurrentCallsPerConnection(this.settings.maxConcurrentCallsPerConnection())
                .maxInboundMessageSize(this.settings.maxInboundMessageSize())
                .maxInboundMetadataSize(this.settings.maxInboundMetadataSize())
                .keepAliveTime(this.settings.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(this.settings.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .permitKeepAliveTime(this.settings.permitKeepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        try {
            built.start();
        } catch (IOException ex) {
            throw new UncheckedIOException(
                    "dualcore.ext-authz.grpc: cannot listen on " + this.settings.address() + ":" + this.settings.port()
                            + "; free the port or set dualcore.ext-authz.grpc.port",
                    ex);
        }
        this.server = built;
        logger.info("Envoy ext_authz gRPC listening on " + this.settings.address() + ":" + port());
    }

    /** Refuses new calls, lets the calls in flight finish within the grace period, then cancels the rest. */
    @Override
    public void stop() {
        Server running = this.server;
        if (running == null) {
            return;
        }
        running.shutdown();
        try {
            if (!running.awaitTermination(this.settings.shutdownGracePeriod().toNanos(), TimeUnit.NANOSECONDS)) {
                running.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException ex) {
            running.shutdownNow();
            Thread.currentThread().interrupt();
        }
        this.server = null;
    }

    @Override
    public boolean isRunning() {
        return this.server != null;
    }

    /** The bound port, or {@code -1} when not running. */
    public int port() {
        Server running = this.server;
        return (running != null) ? running.getPort() : -1;
    }
}
