package io.dualcore.gateway.web;

import java.util.Map;
import java.util.function.Supplier;
import org.springframework.http.server.PathContainer;
import org.springframework.util.Assert;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsConfigurationSource;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * CORS configurations by path pattern, read live from a map that may change (Spring Cloud Gateway's
 * {@code globalcors} configurations, to which it adds each route's {@code metadata.cors} on every route refresh).
 * Used for problem responses written before route matching; only consulted for cross-origin requests.
 */
public final class PatternCorsConfigurationSource implements CorsConfigurationSource {

    private final Supplier<Map<String, CorsConfiguration>> configurations;

    public PatternCorsConfigurationSource(Supplier<Map<String, CorsConfiguration>> configurations) {
        Assert.notNull(configurations, "configurations cannot be null");
        this.configurations = configurations;
    }

    @Override
    public CorsConfiguration getCorsConfiguration(ServerWebExchange exchange) {
        Map<String, CorsConfiguration> all = this.configurations.get();
        if (all == null || all.isEmpty()) {
            return null;
        }
        PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
        for (Map.Entry<String, CorsConfiguration> entry : all.entrySet()) {
            if (PathPatternParser.defaultInstance.parse(entry.getKey()).matches(path)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
