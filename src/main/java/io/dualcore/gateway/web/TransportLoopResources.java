package io.dualcore.gateway.web;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty loop resources on one transport chosen by the gateway, where Reactor Netty would pick another one by
 * itself (it always prefers io_uring, then epoll, and has no setting for "epoll, not io_uring"). Shaped like Reactor
 * Netty's own global loops: one group of {@code loops} daemon threads for server connections, the same group accepts
 * connections, and upstream connections are colocated on the loop of the request that opens them (no hop between
 * loops). Reactor Netty derives each channel's class from the group's transport.
 */
final class TransportLoopResources implements LoopResources {

    private final EventLoopGroup group;

    private final EventLoopGroup colocated;

    private TransportLoopResources(EventLoopGroup group) {
        this.group = group;
        this.colocated = LoopResources.colocate(group);
    }

    /** Event loops on {@code transport}, named {@code reactor-http-<transport>-<n>} as Reactor Netty names its own. */
    static TransportLoopResources of(NetworkTransport transport, int loops) {
        Assert.isTrue(transport != NetworkTransport.AUTO, "transport must be a concrete transport, not auto");
        Assert.isTrue(loops > 0, "loops must be positive");
        IoHandlerFactory handlers = switch (transport) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
        return new TransportLoopResources(new MultiThreadIoEventLoopGroup(
                loops, new LoopThreadFactory("reactor-http-" + transport.label() + "-"), handlers));
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return this.group;
    }

    @Override
    public EventLoopGroup onServerSelect(boolean useNative) {
        return this.group;
    }

    @Override
    public EventLoopGroup onClient(boolean useNative) {
        return this.colocated;
    }

    @Override
    public boolean daemon() {
        return true;
    }

    @Override
    public boolean isDisposed() {
        return this.group.isShutdown();
    }

    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.defer(() -> Mono.create(sink -> this.group
                .shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), TimeUnit.MILLISECONDS)
                .addListener(future -> {
                    if (future.isSuccess()) {
                        sink.success();
                    } else {
                        sink.error(future.cause());
                    }
                })));
    }

    /** Event-loop threads as Reactor Netty makes them: fast thread-locals, daemon, and blocking calls refused. */
    private static final class LoopThreadFactory implements ThreadFactory {

        private final String prefix;

        private final AtomicInteger next = new AtomicInteger();

        LoopThreadFactory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new LoopThread(task, this.prefix + this.next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }

    private static final class LoopThread extends FastThreadLocalThread implements NonBlocking {

        LoopThread(Runnable task, String name) {
            super(task, name);
        }
    }
}
