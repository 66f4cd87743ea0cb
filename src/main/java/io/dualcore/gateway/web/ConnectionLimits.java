package io.dualcore.gateway.web;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connections of one HTTP server (the gateway port or the management port): how many are open, the maximum, and
 * how many were closed by a limit and why. Connections are counted once when accepted and once when closed, never per
 * request; telemetry reads the counts ({@code dualcore_connections_open}, {@code dualcore_connections_closed_total}).
 */
public final class ConnectionLimits {

    /** Why the gateway closed a connection. */
    public enum CloseReason {
        /** Accepted while {@code max-connections} were open: closed at once, before anything was read. */
        MAX_CONNECTIONS,
        /** Nothing sent, or a request head not complete, within {@code header-read-timeout}. */
        HEADER_TIMEOUT,
        /** A request body paused for {@code body-read-timeout}. */
        BODY_TIMEOUT,
        /** Idle between requests for {@code keep-alive-timeout}. */
        KEEP_ALIVE_TIMEOUT,
        /** A request the HTTP server could not parse (answered with a problem body first). */
        MALFORMED_REQUEST;

        private final String tag = name().toLowerCase(Locale.ROOT);

        /** The metric label value, {@code header_timeout} and so on. */
        public String tag() {
            return this.tag;
        }
    }

    private final String server;

    private final int maxConnections;

    private final AtomicInteger open = new AtomicInteger();

    private final LongAdder[] closed = new LongAdder[CloseReason.values().length];

    private final ChannelFutureListener release = future -> this.open.decrementAndGet();

    /**
     * @param server the metric label of the server, {@code gateway} or {@code management}
     * @param maxConnections open connections above which a new one is closed at once
     */
    public ConnectionLimits(String server, int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
        }
        this.server = server;
        this.maxConnections = maxConnections;
        for (int i = 0; i < this.closed.length; i++) {
            this.closed[i] = new LongAdder();
        }
    }

    /**
     * Counts a newly accepted connection, or closes it when the maximum is open already.
     *
     * @return whether the connection was admitted
     */
    public boolean admit(Channel channel) {
        if (this.open.incrementAndGet() > this.maxConnections) {
            this.open.decrementAndGet();
            closed(CloseReason.MAX_CONNECTIONS);
            channel.close();
            return false;
        }
        channel.closeFuture().addListener(this.release);
        return true;
    }

    /** Counts a connection the gateway closed. */
    public void closed(CloseReason reason) {
        this.closed[reason.ordinal()].increment();
    }

    /** Connections closed for this reason since start. */
    public long closedCount(CloseReason reason) {
        return this.closed[reason.ordinal()].sum();
    }

    /** Connections open now. */
    public int open() {
        return this.open.get();
    }

    public int maxConnections() {
        return this.maxConnections;
    }

    /** The metric label of the server: {@code gateway} or {@code management}. */
    public String server() {
        return this.server;
    }
}
