package io.dualcore.gateway.auth.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the gateway's own management endpoints (revocations): a bearer token the gateway verifies, of one of
 * {@code modes}, that carries {@code role}.
 *
 * @param role the role an admin token carries: a Keycloak realm role, a client role as {@code client:role}, or a role
 *     of an edge token's {@code roles} claim
 * @param modes the verification modes an admin token may come from ({@code oidc}, {@code edge}); empty (the
 *     default) for every registered mode; without {@code edge}, holding an edge key is not enough to administer the gateway (the CLI then needs {@code --token})
 */
@ConfigurationProperties("dualcore.admin")
public record AdminProperties(
        @DefaultValue("dualcore-admin") String role,
        @DefaultValue List<String> modes) {}
