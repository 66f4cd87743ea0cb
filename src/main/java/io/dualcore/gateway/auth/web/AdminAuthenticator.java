package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

/**
 * Authenticates the callers of the gateway's own management endpoints (revocations; later config reload and
 * explain): a bearer token the gateway's {@link TokenAuthenticator} verifies (an OIDC access token or an edge token,
 * revocation checks included) that carries the admin role. Never logs the token.
 */
public final class AdminAuthenticator {

    private static final TokenRejectedException MISSING =
            new TokenRejectedException(ErrorCode.MISSING_TOKEN, "An admin bearer token is required");

    private final BearerTokenExtractor extractor = new BearerTokenExtractor();

    private final TokenAuthenticator authenticator;

    private final String role;

    private final Set<AuthenticationMode> modes;

    /**
     * @param role the role an admin identity carries (a realm role, {@code client:role}, or an edge token's role)
     */
    public AdminAuthenticator(TokenAuthenticator authenticator, String role) {
        this(authenticator, role, EnumSet.allOf(AuthenticationMode.class));
    }

    /**
     * @param role the role an admin identity carries (a realm role, {@code client:role}, or an edge token's role)
     * @param modes the modes an admin identity may come from
     */
    public AdminAuthenticator(TokenAuthenticator authenticator, String role, Set<AuthenticationMode> modes) {
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.hasText(role, "role cannot be empty");
        Assert.notEmpty(modes, "modes cannot be empty");
        this.authenticator = authenticator;
        this.role = role;
        this.modes = Set.copyOf(modes);
    }

    /** The modes named in settings ({@code oidc}, {@code edge}). */
    public static Set<AuthenticationMode> modes(List<String> names) {
        Set<AuthenticationMode> modes = EnumSet.noneOf(AuthenticationMode.class);
        for (String name : names) {
            AuthenticationMode mode = Arrays.stream(AuthenticationMode.values())
                    .filter(candidate -> candidate.value().equalsIgnoreCase(name.trim()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "dualcore.admin.modes: '" + name + "' is not a mode; use oidc and/or edge"));
            modes.add(mode);
        }
        return modes;
    }

    /**
     * The admin identity of a management request.
     *
     * @return the identity, or an error signal carrying a {@link TokenRejectedException}: {@code missing_token}
     *     (401), the token's own refusal (401), or {@code insufficient_role} (403)
     */
    public Mono<GatewayIdentity> authenticate(ServerHttpRequest request) {
        String token;
        try {
            token = this.extractor.extract(request);
        } catch (TokenRejectedException ex) {
            return Mono.error(ex);
        }
        if (token == null) {
            return Mono.error(MISSING);
        }
        return this.authenticator.authenticate(token).flatMap(this::admin);
    }

    private Mono<GatewayIdentity> admin(GatewayIdentity identity) {
        if (!this.modes.contains(identity.mode())) {
            return Mono.error(new TokenRejectedException(
                    ErrorCode.MODE_NOT_ALLOWED,
                    "Admin tokens of mode " + identity.mode().value() + " are not accepted"));
        }
        if (!identity.roles().contains(this.role)) {
            return Mono.error(new TokenRejectedException(
                    ErrorCode.INSUFFICIENT_ROLE, "The admin role " + this.role + " is required"));
        }
        return Mono.just(identity);
    }

    /** The admin role. */
    public String role() {
        return this.role;
    }
}
