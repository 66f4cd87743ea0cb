package io.dualcore.gateway.route;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.springframework.cloud.gateway.handler.predicate.AbstractRoutePredicateFactory;
import org.springframework.cloud.gateway.handler.predicate.GatewayPredicate;
import org.springframework.web.server.ServerWebExchange;

/**
 * Matches by a claim of the verified token, as Spring Cloud Gateway's {@code Header} predicate matches a header:
 * {@code Claim=tenant_id,acme} (the whole value must match the Java regex), or {@code Claim=tenant_id} (the claim is
 * present). A string, number or boolean claim is matched by its text; an array claim matches when any element does;
 * an object claim never matches. An anonymous request never matches. The claim comes from the signed token, never
 * from a header the client sends.
 */
public class ClaimRoutePredicateFactory extends AbstractRoutePredicateFactory<ClaimRoutePredicateFactory.Config> {

    /** The first shortcut field: the claim's name. */
    public static final String NAME_KEY = "name";

    /** The second shortcut field: the regex the claim's value must match. */
    public static final String REGEXP_KEY = "regexp";

    public ClaimRoutePredicateFactory() {
        super(Config.class);
    }

    @Override
    public List<String> shortcutFieldOrder() {
        return List.of(NAME_KEY, REGEXP_KEY);
    }

    @Override
    public Predicate<ServerWebExchange> apply(Config config) {
        String name = config.getName();
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Claim predicate needs a claim name, for example Claim=tenant_id,acme");
        }
        Pattern pattern;
        try {
            pattern = (config.getRegexp() != null) ? Pattern.compile(config.getRegexp()) : null;
        } catch (PatternSyntaxException ex) {
            throw new IllegalArgumentException(
                    "Claim predicate for '" + name + "': invalid regex '" + config.getRegexp() + "': "
                            + ex.getDescription(),
                    ex);
        }
        return new GatewayPredicate() {
            @Override
            public boolean test(ServerWebExchange exchange) {
                GatewayIdentity identity = GatewayIdentity.from(exchange);
                if (identity == null) {
                    return false;
                }
                Object value = identity.claims().get(name);
                if (value == null) {
                    return false;
                }
                if (pattern == null) {
                    return true;
                }
                if (value instanceof Collection<?> values) {
                    for (Object element : values) {
                        if (matches(pattern, element)) {
                            return true;
                        }
                    }
                    return false;
                }
                return matches(pattern, value);
            }

            @Override
            public Object getConfig() {
                return config;
            }

            @Override
            public String toString() {
                return "Claim: " + name + ((pattern != null) ? " regexp=" + pattern : "");
            }
        };
    }

    private static boolean matches(Pattern pattern, Object value) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return pattern.matcher(value.toString()).matches();
        }
        return false;
    }

    /** The claim's name and the regex its value must match. */
    public static class Config {

        private String name;

        private String regexp;

        public String getName() {
            return this.name;
        }

        public Config setName(String name) {
            this.name = name;
            return this;
        }

        public String getRegexp() {
            return this.regexp;
        }

        public Config setRegexp(String regexp) {
            this.regexp = regexp;
            return this;
        }

        @Override
        public String toString() {
            return "Config[name=" + this.name + ", regexp=" + this.regexp + "]";
        }
    }
}
