package io.dualcore.gateway.web;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.ReactorNetty;
import reactor.netty.http.HttpResources;
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
 * unavailable and epoll is used. {@code -Dreactor.netty.native=false} forces NIO. {@code dualcore.transport}
 * ({@link NetworkTransport}) asks for one transport: {@code epoll} keeps a gateway off io_uring where the host permits
 * it (the transport it gets under a container runtime's default seccomp profile), and an unavailable explicit
 * transport is a startup error rather than a silent fallback.
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

    /** The setting that chooses the transport ({@link NetworkTransport}; default {@code auto}). */
    public static final String TRANSPORT_PROPERTY = "dualcore.transport";

    private static volatile TransportChoice current;

    /**
     * Chooses the transport {@code requested} asks for, installs event loops of that transport as Reactor Netty's
     * global loops where Reactor Netty would pick another one by itself, and remembers the choice for
     * {@link #current()}. Runs before the first server or client is created ({@link TransportEnvironmentPostProcessor}).
     *
     * @throws IllegalStateException when the requested transport is not available here (named in the message)
     */
    public static synchronized TransportChoice apply(NetworkTransport requested) {
        int loops = LoopResources.DEFAULT_IO_WORKER_COUNT;
        boolean nativeAllowed = nativeAllowed();
        String ioUringUnavailable = IoUring.isAvailable() ? null : cause(IoUring.unavailabilityCause());
        String epollUnavailable = Epoll.isAvailable() ? null : cause(Epoll.unavailabilityCause());
        TransportChoice choice = choose(requested, nativeAllowed, ioUringUnavailable, epollUnavailable, loops);
        NetworkTransport reactorDefault = choose(
                        NetworkTransport.AUTO, nativeAllowed, ioUringUnavailable, epollUnavailable, loops)
                .transport();
        TransportChoice previous = current;
        if (choice.transport() != reactorDefault && (previous == null || previous.transport() != choice.transport())) {
            HttpResources.set(TransportLoopResources.of(choice.transport(), loops));
        }
        current = choice;
        return choice;
    }

    /** The transport in use: the one {@link #apply} chose, or Reactor Netty's own choice where nothing was applied. */
    public static TransportChoice current() {
        TransportChoice choice = current;
        if (choice != null) {
            return choice;
        }
        return choose(
                NetworkTransport.AUTO,
                nativeAllowed(),
                IoUring.isAvailable() ? null : cause(IoUring.unavailabilityCause()),
                Epoll.isAvailable() ? null : cause(Epoll.unavailabilityCause()),
                LoopResources.DEFAULT_IO_WORKER_COUNT);
    }

    /** The transport Reactor Netty uses here: {@code io_uring}, {@code epoll} or {@code nio}. */
    public static String transport() {
        return current().transport().label();
    }

    /**
     * The choice itself, from what the platform offers: a {@code null} unavailability cause means that transport is
     * available.
     */
    static TransportChoice choose(
            NetworkTransport requested,
            boolean nativeAllowed,
            String ioUringUnavailable,
            String epollUnavailable,
            int loops) {
        return switch (requested) {
            case AUTO -> {
                if (!nativeAllowed) {
                    yield new TransportChoice(NetworkTransport.NIO, "reactor.netty.native=false", loops);
                }
                if (ioUringUnavailable == null) {
                    yield new TransportChoice(NetworkTransport.IO_URING, "auto: io_uring available", loops);
                }
                if (epollUnavailable == null) {
                    yield new TransportChoice(
                            NetworkTransport.EPOLL, "auto: io_uring not available (" + ioUringUnavailable + ")", loops);
                }
                yield new TransportChoice(
                        NetworkTransport.NIO,
                        "auto: no native transport (io_uring: " + ioUringUnavailable + "; epoll: " + epollUnavailable
                                + ")",
                        loops);
            }
            case IO_URING -> {
                requireNative(requested, nativeAllowed);
                requireAvailable(requested, ioUringUnavailable);
                yield explicit(requested, loops);
            }
            case EPOLL -> {
                requireNative(requested, nativeAllowed);
                requireAvailable(requested, epollUnavailable);
                yield explicit(requested, loops);
            }
            case NIO -> explicit(requested, loops);
        };
    }

    /** Logs the transport, why, and the event-loop count once at start. */
    public static void logTransport() {
        TransportChoice choice = current();
        logger.info(
                "Network transport {}, event loops: {} ({})",
                choice.transport().label(),
                choice.eventLoops(),
                choice.reason());
    }

    private static TransportChoice explicit(NetworkTransport requested, int loops) {
        return new TransportChoice(requested, TRANSPORT_PROPERTY + "=" + requested.label(), loops);
    }

    private static void requireNative(NetworkTransport requested, boolean nativeAllowed) {
        if (!nativeAllowed) {
            throw new IllegalStateException(TRANSPORT_PROPERTY + "=" + requested.label() + " contradicts -D"
                    + ReactorNetty.NATIVE + "=false (no native transport): remove one of them");
        }
    }

    private static void requireAvailable(NetworkTransport requested, String unavailable) {
        if (unavailable != null) {
            throw new IllegalStateException(TRANSPORT_PROPERTY + "=" + requested.label() + ", but "
                    + requested.label() + " is not available here (" + unavailable + "): set " + TRANSPORT_PROPERTY
                    + "=auto to use the fastest transport available, or allow " + requested.label()
                    + " (kernel, seccomp profile)");
        }
    }

    private static boolean nativeAllowed() {
        return Boolean.parseBoolean(System.getProperty(ReactorNetty.NATIVE, "true"));
    }

    private static String cause(Throwable cause) {
        return cause == null || cause.getMessage() == null ? "unknown cause" : cause.getMessage();
    }
}
