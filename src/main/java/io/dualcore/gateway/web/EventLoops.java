package io.dualcore.gateway.web;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.ReactorNetty;
import reactor.netty.resources.LoopResources;

/**
 * The event loops that the gateway's HTTP server and its upstream client share (Reactor Netty's global loop
 * resources), and the transport they run on.
 *
 * <p><b>One event loop per available processor.</b> Reactor Netty starts at least four event-loop threads, however
 * few processors the JVM may use. On a gateway limited to one or two CPUs (a container's CPU limit, {@code taskset})
 * the extra threads only take turns on the same CPU: every request that crosses from the client's connection to an
 * upstream connection on another loop costs a wake-up and a context switch. The packaged gateway therefore
 * defaults to one loop per available processor, as Envoy's {@code --concurrency} and nginx's
 * {@code worker_processes auto} do. An explicit {@code -Dreactor.netty.ioWorkerCount=N} always wins.
 *
 * <p><b>Transport.</b> Reactor Netty picks the fastest native transport the kernel allows: io_uring, then epoll,
 * then the JDK's NIO. io_uring submits socket reads and writes in batches, with far fewer system calls per request
 * than epoll; where a seccomp profile blocks it (Docker's and containerd's default profiles do), Netty reports it
 * unavailable and epoll is used. {@code -Dreactor.netty.native=false} forces NIO.
 */
public final class EventLoops {

    private static final Logger logger = LoggerFactory.getLogger(EventLoops.class);

    private EventLoops() {}

    /**
     * Sets Reactor Netty's event-loop count to {@code processors} unless it is already set. Takes effect only
     * before Reactor Netty's loop resources are first used, so the application's {@code main} calls it first.
     */
    public static void defaultToOnePerProcessor(Properties systemProperties, int processors) {
        if (systemProperties.getProperty(ReactorNetty.IO_WORKER_COUNT) == null) {
            systemProperties.setProperty(ReactorNetty.IO_WORKER_COUNT, String.valueOf(Math.max(1, processors)));
        }
    }

    /** The transport Reactor Netty uses here: {@code io_uring}, {@code epoll} or {@code nio}. */
    public static String transport() {
        if (!Boolean.parseBoolean(System.getProperty(ReactorNetty.NATIVE, "true"))) {
            return "nio";
        }
        if (IoUring.isAvailable()) {
            return "io_uring";
        }
        return Epoll.isAvailable() ? "epoll" : "nio";
    }

    /** Logs the transport and the event-loop count once at start, and why io_uring is not used if it is not. */
    public static void logTransport() {
        String transport = transport();
        int loops = LoopResources.DEFAULT_IO_WORKER_COUNT;
        if (transport.equals("io_uring")) {
            logger.info("Network transport io_uring, event loops: {}", loops);
            return;
        }
        Throwable cause = IoUring.unavailabilityCause();
        logger.info(
                "Network transport {}, event loops: {} (io_uring not used: {})",
                transport,
                loops,
                cause == null ? "reactor.netty.native=false" : cause.getMessage());
    }
}
