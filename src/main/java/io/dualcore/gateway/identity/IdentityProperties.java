package io.dualcore.gateway.identity;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the upstream learns about the caller.
 *
 * @param headerPrefix the reserved identity header namespace: every client header in it is removed, and the
 *     gateway's identity headers are named with it
 * @param assertion the gateway-signed identity assertion
 */
@ConfigurationProperties("dualcore.identity")
public record IdentityProperties(
        @DefaultValue("X-Auth-") String headerPrefix,
        @DefaultValue Assertion assertion) {

    /**
     * @param issuer the {@code iss} of assertions
     * @param ttl lifetime of one assertion
     * @param keyRotation how often the signing key is replaced; retired keys stay published for {@code ttl}
     */
    public record Assertion(
            @DefaultValue("dualcore-gateway") String issuer,
            @DefaultValue("60s") Duration ttl,
            @DefaultValue("24h") Duration keyRotation) {}
}
