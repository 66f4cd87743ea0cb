package io.dualcore.gateway.forwardauth;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The decision API (forward-auth): a listener of its own where a proxy in front of the cores (nginx
 * {@code auth_request}, Caddy {@code forward_auth}, Traefik {@code forwardAuth}, Envoy {@code ext_authz} HTTP) asks
 * for the gateway's decision about a request instead of having the gateway proxy it.
 *
 * @param enabled whether the listener runs (off by default: the headers it reads describe the original request and
 *     are trusted, so only the proxy may reach it)
 * @param address the address the listener binds; loopback by default, the proxy's side of the network otherwise
 * @param port the listener's port ({@code 0}: a free one)
 * @param trustedProxies the peers (CIDR blocks or addresses) allowed to ask; empty trusts every peer that can reach
 *     {@code address}, any other gets 403 {@code untrusted_proxy}
 * @param envoyPathPrefix the {@code path_prefix} of Envoy's {@code ext_authz} HTTP service: the original path
 *     follows it
 * @param maxHeaderSize the largest header section accepted, in bytes (the original request's headers and the
 *     proxy's own)
 */
@Validated
@ConfigurationProperties("dualcore.decision-api")
public record DecisionApiProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("127.0.0.1") @NotBlank String address,
        @DefaultValue("8082") @Min(0) @Max(65535) int port,
        @DefaultValue({}) @NotNull List<String> trustedProxies,
        @DefaultValue("/envoy") @NotBlank String envoyPathPrefix,
        @DefaultValue("16384") @Min(1024) int maxHeaderSize) {}
