package io.dualcore.gateway.web;

import java.util.Locale;

/**
 * The network transport the gateway's event loops run on, as set by {@code dualcore.transport} (README "Event loops
 * and network transport").
 */
public enum NetworkTransport {

    /** io_uring where the kernel allows it, epoll otherwise, NIO where neither is available. */
    AUTO,

    /** Linux io_uring; a startup error where the kernel or a seccomp profile refuses it. */
    IO_URING,

    /** Linux epoll, even where io_uring is available (the transport of a container under a default seccomp profile). */
    EPOLL,

    /** The JDK's NIO selector: no native code. */
    NIO;

    /** The name the gateway logs and reports ({@code io_uring}, {@code epoll}, {@code nio}); Netty names it alike. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
