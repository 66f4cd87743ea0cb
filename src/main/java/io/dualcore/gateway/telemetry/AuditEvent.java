package io.dualcore.gateway.telemetry;

import java.net.InetAddress;

/**
 * One access decision, as captured on the request's thread: plain values only, formatted later by the audit writer.
 * The client's address is captured as it is ({@code source}) and written out as text by the writer
 * ({@link #sourceIp()}), not on the event loop.
 *
 * @param allowed whether the gateway let the request through
 * @param status the status the client got
 * @param code the gateway's denial code, or {@code null}
 * @param route the matched route id, or {@code null} (refused before route matching)
 * @param method the request method
 * @param path the request path
 * @param sourceIp the client's address as text, or {@code null} (then {@code source}'s, when there is one)
 * @param traceId the request's trace id, or {@code null} when not traced
 * @param mode {@code oidc}, {@code edge} or {@code anonymous}
 * @param issuer the token's issuer, or {@code null}
 * @param realm the trusted issuer's configured name, or {@code null}
 * @param subject the token's subject, or {@code null}
 * @param clientId the OAuth client, or {@code null}
 * @param deviceId the edge device, or {@code null}
 * @param keyId the verifying key's id, or {@code null}
 * @param door the front door that asked for the decision ({@code nginx}, {@code caddy}, {@code traefik},
 *     {@code envoy-http}), {@code gateway} for a request the gateway proxied, or {@code null} when unknown
 * @param source the client's address, not yet formatted, or {@code null}
 */
public record AuditEvent(
        boolean allowed,
        int status,
        String code,
        String route,
        String method,
        String path,
        String sourceIp,
        String traceId,
        String mode,
        String issuer,
        String realm,
        String subject,
        String clientId,
        String deviceId,
        String keyId,
        String door,
        InetAddress source) {

    /** The client's address as text ({@code source} formatted on each call: the writer calls it once), or null. */
    @Override
    public String sourceIp() {
        return (this.sourceIp != null || this.source == null) ? this.sourceIp : this.source.getHostAddress();
    }
}
