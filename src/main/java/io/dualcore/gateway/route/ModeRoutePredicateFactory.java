package io.dualcore.gateway.route;

import io.dualcore.gateway.auth.AuthenticationMode;
import io.dualcore.gateway.auth.GatewayIdentity;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.cloud.gateway.handler.predicate.AbstractRoutePredicateFactory;
import org.springframework.cloud.gateway.handler.predicate.GatewayPredicate;
import org.springframework.web.server.ServerWebExchange;

/**
 * Matches by how the caller authenticated: {@code Mode=edge}, {@code Mode=oidc}, {@code Mode=anonymous} or several
 * ({@code Mode=oidc,edge}). The identity was verified before route matching (a bad credential never gets here); an
 * anonymous request matches only a route that lists {@code anonymous}.
 */
public class ModeRoutePredicateFactory extends AbstractRoutePredicateFactory<ModeRoutePredicateFactory.Config> {

    /** The shortcut field: the accepted modes. */
    public static final String MODES_KEY = "modes";

    /** The pseudo-mode of a request without credentials. */
    public static final String ANONYMOUS = "anonymous";

    public ModeRoutePredicateFactory() {
        super(Config.class);
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
            throw new IllegalArgumentException("Mode predicate without modes; use Mode=oidc, Mode=edge, Mode=anonymous"
                    + " or a comma-separated list of them");
        }
        EnumSet<AuthenticationMode> modes = EnumSet.noneOf(AuthenticationMode.class);
        boolean anonymous = false;
        for (String mode : config.getModes()) {
            String value = (mode != null) ? mode.trim().toLowerCase(Locale.ROOT) : "";
            switch (value) {
                case "oidc" -> modes.add(AuthenticationMode.OIDC);
                case "edge" -> modes.add(AuthenticationMode.EDGE);
                case ANONYMOUS -> anonymous = true;
                default ->
                    throw new IllegalArgumentException(
                            "Mode predicate: unknown mode '" + mode + "'; use oidc, edge or anonymous");
            }
        }
        Set<AuthenticationMode> accepted = Set.copyOf(modes);
        boolean acceptsAnonymous = anonymous;
        return new GatewayPredicate() {
            @Override
            public boolean test(ServerWebExchange exchange) {
                GatewayIdentity identity = GatewayIdentity.from(exchange);
                return (identity == null) ? acceptsAnonymous : accepted.contains(identity.mode());
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
