package io.dualcore.gateway.auth.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.VerificationMode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.web.ErrorCode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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

    private final Set<Mode> modes;

    /**
     * @param role the role an admin identity carries (a realm role, {@code client:role}, or an edge token's role)
     * @param modes the modes an admin identity may come from
     */
    public AdminAuthenticator(TokenAuthenticator authenticator, String role, Set<Mode> modes) {
        Assert.notNull(authenticator, "authenticator cannot be null");
        Assert.hasText(role, "role cannot be empty");
        Assert.notEmpty(modes, "modes cannot be empty");
        this.authenticator = authenticator;
        this.role = role;
        this.modes = Set.copyOf(modes);
    }

    /**
     * The modes named in settings; every registered mode when none is named.
     *
     * @throws IllegalStateException naming {@code dualcore.admin.modes} and the registered modes
     */
    public static Set<Mode> modes(List<String> names, VerificationModes registry) {
        if (names.isEmpty()) {
            return registry.all().stream().map(VerificationMode::mode).collect(Collectors.toUnmodifiableSet());
        }
        Set<Mode> modes = new LinkedHashSet<>();
        for (String name : names) {
            modes.add(registry.parse("dualcore.admin.modes", name));
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
                    "Admin tokens of mode " + identity.mode().name() + " are not accepted"));
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
