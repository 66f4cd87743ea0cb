package io.dualcore.gateway.web;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long the gateway's HTTP server waits for a client, and how many clients it holds (README "Connection limits").
 * A connection that sends nothing, trickles its request head, stalls in its body or idles between requests is
 * closed; connections beyond the maximum are closed as soon as they are accepted. Named after nginx's
 * {@code client_header_timeout}, {@code client_body_timeout} and {@code keepalive_timeout}.
 *
 * @param headerReadTimeout how long a new connection may take to send its first request head, and any request head
 *     may take from its first byte to its last: a whole-head deadline, which bytes trickling in do not extend. A
 *     started head that misses it gets 408 {@code request_timeout}; a connection that sent nothing is closed
 * @param bodyReadTimeout the longest a request body may pause between two reads; then 408 {@code request_timeout}
 *     (while no response has started) and the connection is closed
 * @param keepAliveTimeout how long a connection may idle between a response and the next request's first byte
 *     (HTTP/1.1 keep-alive, and an HTTP/2 connection without traffic); then it is closed
 * @param maxConnections open connections on the gateway port above which a new connection is closed at once
 * @param managementMaxConnections the same limit for the management port (probes, Prometheus), counted apart, so a
 *     full gateway port never blocks the readiness probe
 * @param http2MaxConcurrentStreams HTTP/2 streams a client may have open at once on one connection (the TLS port's
 *     {@code SETTINGS_MAX_CONCURRENT_STREAMS})
 * @param http2MaxResetsPerWindow HTTP/2 {@code RST_STREAM} frames a client may send in {@code http2-reset-window}
 *     before the connection is closed: the rapid-reset attack (CVE-2023-44487) opens and cancels streams without end
 * @param http2ResetWindow the window of {@code http2-max-resets-per-window}
 */
@Validated
@ConfigurationProperties("dualcore.connections")
public record ConnectionProperties(
        @DefaultValue("30s") @NotNull Duration headerReadTimeout,
        @DefaultValue("30s") @NotNull Duration bodyReadTimeout,
        @DefaultValue("75s") @NotNull Duration keepAliveTimeout,
        @DefaultValue("10000") @Min(1) int maxConnections,
        @DefaultValue("100") @Min(1) int managementMaxConnections,
        @DefaultValue("100") @Min(1) long http2MaxConcurrentStreams,
        @DefaultValue("200") @Min(1) int http2MaxResetsPerWindow,
        @DefaultValue("30s") @NotNull Duration http2ResetWindow) {

    public ConnectionProperties {
        requirePositive("header-read-timeout", headerReadTimeout);
        requirePositive("body-read-timeout", bodyReadTimeout);
        requirePositive("keep-alive-timeout", keepAliveTimeout);
        requirePositive("http2-reset-window", http2ResetWindow);
        if (http2ResetWindow != null && http2ResetWindow.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("dualcore.connections.http2-reset-window is " + http2ResetWindow
                    + ": Netty counts RST_STREAM frames per whole seconds; use a whole number of seconds (30s)");
        }
    }

    /** The shipped defaults. */
    public static ConnectionProperties defaults() {
        return new ConnectionProperties(
                Duration.ofSeconds(30),
                Duration.ofSeconds(30),
                Duration.ofSeconds(75),
                10_000,
                100,
                100,
                200,
                Duration.ofSeconds(30));
    }

    private static void requirePositive(String property, Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            throw new IllegalArgumentException("dualcore.connections." + property + " is " + value
                    + ": a connection must be closed after some time; set a positive duration (nginx uses 60s)");
        }
    }
}
