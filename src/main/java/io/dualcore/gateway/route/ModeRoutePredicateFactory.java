package io.dualcore.gateway.route;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationModes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.cloud.gateway.handler.predicate.AbstractRoutePredicateFactory;
import org.springframework.cloud.gateway.handler.predicate.GatewayPredicate;
import org.springframework.web.server.ServerWebExchange;

/**
 * Matches by how the caller authenticated: a registered mode's name ({@code Mode=edge}, {@code Mode=oidc}),
 * {@code Mode=anonymous} or several ({@code Mode=oidc,edge}). The identity was verified before route matching (a bad credential never gets here); an
 * anonymous request matches only a route that lists {@code anonymous}.
 */
public class ModeRoutePredicateFactory extends AbstractRoutePredicateFactory<ModeRoutePredicateFactory.Config> {

    /** The shortcut field: the accepted modes. */
    public static final String MODES_KEY = "modes";

    /** The pseudo-mode of a request without credentials. */
    public static final String ANONYMOUS = Mode.ANONYMOUS;

    private final VerificationModes registry;

    /** @param registry the registered modes the names resolve against */
    public ModeRoutePredicateFactory(VerificationModes registry) {
        super(Config.class);
        this.registry = registry;
    }

    @Override
    public List<String> shortcutFieldOrder() {
        return List.of(MODES_KEY);
    }

    @Override
    public ShortcutType shortcutType() {
        return ShortcutType.GATHER_LIST;
    }

    @Override
    public Predicate<ServerWebExchange> apply(Config config) {
        if (config.getModes().isEmpty()) {
            throw new IllegalArgumentException("Mode predicate without modes; use Mode=<mode>, Mode=anonymous or a"
                    + " comma-separated list of them (registered modes: " + this.registry.names() + ")");
        }
        boolean[] accepted = new boolean[this.registry.slots()];
        boolean anonymous = false;
        for (String mode : config.getModes()) {
            if (mode != null && ANONYMOUS.equalsIgnoreCase(mode.trim())) {
                anonymous = true;
                continue;
            }
            try {
                accepted[this.registry.parse("Mode predicate", mode).index()] = true;
            } catch (IllegalStateException ex) {
                throw new IllegalArgumentException(ex.getMessage() + " or anonymous", ex);
            }
        }
        boolean acceptsAnonymous = anonymous;
        return new GatewayPredicate() {
            @Override
            public boolean test(ServerWebExchange exchange) {
                GatewayIdentity identity = GatewayIdentity.from(exchange);
                if (identity == null) {
                    return acceptsAnonymous;
                }
                int index = identity.mode().index();
                return index < accepted.length && accepted[index];
            }

            @Override
            public Object getConfig() {
                return config;
            }

            @Override
            public String toString() {
                return "Mode: " + config.getModes();
            }
        };
    }

    /** The accepted modes. */
    public static class Config {

        private List<String> modes = new ArrayList<>();

        public List<String> getModes() {
            return this.modes;
        }

        public Config setModes(List<String> modes) {
            this.modes = (modes != null) ? modes : new ArrayList<>();
            return this;
        }

        public Config setModes(String... modes) {
            return setModes(new ArrayList<>(List.of(modes)));
        }

        @Override
        public String toString() {
            return "Config[modes=" + this.modes + "]";
        }
    }
}
