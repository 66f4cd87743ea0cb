package io.dualcore.gateway.web;

import org.springframework.util.Assert;

/**
 * The transport the gateway runs on, why, and how many event loops it has: what the gateway logs at start and
 * reports in {@code /actuator/info}.
 *
 * @param transport the transport in use, never {@link NetworkTransport#AUTO}
 * @param reason why this transport: the setting that asked for it, or why a faster one is not available
 * @param eventLoops the number of event-loop threads the HTTP server and the upstream client share
 */
public record TransportChoice(NetworkTransport transport, String reason, int eventLoops) {

    public TransportChoice {
        Assert.isTrue(transport != NetworkTransport.AUTO, "transport must be a concrete transport, not auto");
        Assert.hasText(reason, "reason cannot be empty");
        Assert.isTrue(eventLoops > 0, "eventLoops must be positive");
    }
}
