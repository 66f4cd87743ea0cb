package io.dualcore.gateway.ratelimit;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.net.InetSocketAddress;
import org.springframework.web.server.ServerWebExchange;

/**
 * Whose bucket a request draws from: always the verified identity (the mode's name and its own key: issuer and subject
 * for OIDC, key ring and device for edge tokens), or for anonymous callers the connection's peer address, never a header a client controls.
 */
public final class RateLimitKeys {

    /** Computed once per identity instance. */
    private static final GatewayIdentity.Derived<String> IDENTITY_KEY = GatewayIdentity.Derived.of(
            identity -> identity.mode().name() + "|" + identity.mode().rateLimitKey(identity));

    private RateLimitKeys() {}

    /** The identity part of the key, or {@code null} when the peer address is unknown. */
    public static String of(GatewayIdentity identity, ServerWebExchange exchange) {
        if (identity != null) {
            return identity.derived(IDENTITY_KEY);
        }
        InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
        if (peer == null || peer.getAddress() == null) {
            return null;
        }
        return "anonymous|" + peer.getAddress().getHostAddress();
    }
}
