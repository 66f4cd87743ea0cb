package io.dualcore.gateway.extauthz;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Envoy's {@code ext_authz} gRPC service ({@code envoy.service.auth.v3.Authorization/Check}), the form Istio's
 * {@code CUSTOM} action uses: a gRPC listener of its own answering the gateway's decision.
 *
 * @param enabled whether the listener runs (off by default: the request it describes is trusted, so only the proxy
 *     may reach it)
 * @param address the address the listener binds; loopback by default, the proxy's side of the network otherwise
 * @param port the listener's port ({@code 0}: a free one)
 * @param allowedPeers the peers (addresses or CIDR blocks) that may call; any other call is closed with
 *     {@code PERMISSION_DENIED} before it reaches the decision; loopback only by default (list {@code 0.0.0.0/0} and
 *     {@code ::/0} to allow every peer that reaches {@code address})
 * @param maxConcurrentCallsPerConnection the most calls one connection (one Envoy worker) may have in flight
 * @param maxInboundMessageSize the largest {@code CheckRequest} accepted, in bytes (bodies are never asked for)
 * @param maxInboundMetadataSize the largest gRPC metadata (HTTP/2 header list) accepted, in bytes
 * @param maxRequestTargetLength the longest original path with query, in characters: longer is a 414, as the
 *     gateway's own listener answers a request line that long
 * @param maxHeaderSize the largest original header section, in bytes (names and values): larger is a 431
 * @param keepAliveTime how long a connection may be idle before the server pings it
 * @param keepAliveTimeout how long the server waits for the ping's answer before it closes the connection
 * @param permitKeepAliveTime the shortest interval at which clients may ping (Envoy's default HTTP/2 keep-alive is
 *     off; a client pinging more often is disconnected)
 * @param shutdownGracePeriod how long calls in flight may finish when the context stops
 */
@Validated
@ConfigurationProperties("dualcore.ext-authz.grpc")
public record ExtAuthzGrpcProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("127.0.0.1") @NotBlank String address,
        @DefaultValue("9191") @Min(0) @Max(65535) int port,
        @DefaultValue({"127.0.0.0/8", "::1"}) @NotEmpty List<String> allowedPeers,
        @DefaultValue("1024") @Min(1) int maxConcurrentCallsPerConnection,
        @DefaultValue("65536") @Min(4096) int maxInboundMessageSize,
        @DefaultValue("16384") @Min(1024) int maxInboundMetadataSize,
        @DefaultValue("4096") @Min(64) int maxRequestTargetLength,
        @DefaultValue("16384") @Min(1024) int maxHeaderSize,
        @DefaultValue("60s") @NotNull Duration keepAliveTime,
        @DefaultValue("20s") @NotNull Duration keepAliveTimeout,
        @DefaultValue("10s") @NotNull Duration permitKeepAliveTime,
        @DefaultValue("10s") @NotNull Duration shutdownGracePeriod) {}
