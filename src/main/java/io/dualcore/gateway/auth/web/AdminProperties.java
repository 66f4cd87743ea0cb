package io.dualcore.gateway.auth.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the gateway's own management endpoints (revocations): a bearer token the gateway verifies (either
 * mode) that carries {@code role}.
 *
 * @param role the role an admin token carries: a Keycloak realm role, a client role as {@code client:role}, or a role
 *     of an edge token's {@code roles} claim
 */
@ConfigurationProperties("dualcore.admin")
public record AdminProperties(
        @DefaultValue("dualcore-admin") String role) {}
