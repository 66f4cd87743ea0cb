package io.dualcore.gateway.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the gateway leaves a load balancer on shutdown (SIGTERM). Readiness turns DOWN (and the management port
 * closes) at once; the gateway port keeps serving for {@code drain}, so that load balancers and Kubernetes endpoints
 * stop sending new requests; then the web server stops accepting and finishes the requests in flight within
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 *
 * @param drain how long the gateway port keeps accepting after readiness turned DOWN; {@code 0} skips the wait
 *     (no load balancer, or a Kubernetes {@code preStop} hook already waits)
 */
@ConfigurationProperties("dualcore.shutdown")
public record ShutdownProperties(@DefaultValue("0s") Duration drain) {}
