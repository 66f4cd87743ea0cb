package io.dualcore.gateway.decision;

import java.net.InetSocketAddress;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.Assert;

/**
 * The original request a front door asks about, as the door reconstructed it: never a body.
 *
 * @param door who asks ({@code gateway}, {@code nginx}, {@code traefik}, {@code caddy}, {@code envoy-http}, ...)
 * @param method the original method
 * @param target the original request-target as the client sent it (origin form: path and query), not decoded
 * @param scheme the original scheme ({@code http} or {@code https})
 * @param host the original {@code Host}, or {@code null} when the door does not know it
 * @param headers the original request headers (the door's own forwarding headers already removed)
 * @param client the original client's address, or {@code null} when unknown
 */
public record DecisionRequest(
        String door,
        HttpMethod method,
        String target,
        String scheme,
        String host,
        HttpHeaders headers,
        InetSocketAddress client) {

    public DecisionRequest {
        Assert.hasText(door, "door cannot be empty");
        Assert.notNull(method, "method cannot be null");
        Assert.notNull(target, "target cannot be null");
        Assert.notNull(scheme, "scheme cannot be null");
        Assert.notNull(headers, "headers cannot be null");
    }
}
