package io.dualcore.gateway.route;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.cloud.gateway.handler.predicate.AbstractRoutePredicateFactory;
import org.springframework.cloud.gateway.handler.predicate.GatewayPredicate;
import org.springframework.web.server.ServerWebExchange;

/**
 * Matches by the trusted issuer that verified the caller's token: {@code Realm=partners} (a configured issuer's
 * name, as in {@code dualcore.auth.oidc.issuers[].name}, or its issuer URI), or several ({@code Realm=dualcore,partners}).
 * An anonymous request never matches.
 */
public class RealmRoutePredicateFactory extends AbstractRoutePredicateFactory<RealmRoutePredicateFactory.Config> {

    /** The shortcut field: the accepted realms. */
    public static final String REALMS_KEY = "realms";

    public RealmRoutePredicateFactory() {
        super(Config.class);
    }

    @Override
    public List<String> shortcutFieldOrder() {
        return List.of(REALMS_KEY);
    }

    @Override
    public ShortcutType shortcutType() {
        return ShortcutType.GATHER_LIST;
    }

    @Override
    public Predicate<ServerWebExchange> apply(Config config) {
        if (config.getRealms().isEmpty()
                || config.getRealms().stream().anyMatch(realm -> realm == null || realm.isBlank())) {
            throw new IllegalArgumentException(
                    "Realm predicate needs realm names (or issuer URIs), for example Realm=partners; got "
                            + config.getRealms());
        }
        Set<String> realms =
                Set.copyOf(config.getRealms().stream().map(String::trim).toList());
        return new GatewayPredicate() {
            @Override
            public boolean test(ServerWebExchange exchange) {
                GatewayIdentity identity = GatewayIdentity.from(exchange);
                return identity != null
                        && ((identity.realm() != null && realms.contains(identity.realm()))
                                || realms.contains(identity.issuer()));
            }

            @Override
            public Object getConfig() {
                return config;
            }

            @Override
            public String toString() {
                return "Realm: " + config.getRealms();
            }
        };
    }

    /** The accepted realms. */
    public static class Config {

        private List<String> realms = new ArrayList<>();

        public List<String> getRealms() {
            return this.realms;
        }

        public Config setRealms(List<String> realms) {
            this.realms = (realms != null) ? realms : new ArrayList<>();
            return this;
        }

        public Config setRealms(String... realms) {
            return setRealms(new ArrayList<>(List.of(realms)));
        }

        @Override
        public String toString() {
            return "Config[realms=" + this.realms + "]";
        }
    }
}
