package io.dualcore.gateway.config;

import io.dualcore.gateway.ratelimit.GatewayInstances;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimitProperties;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.ratelimit.RatePlan;
import io.dualcore.gateway.ratelimit.RatePlans;
import io.dualcore.gateway.ratelimit.RedisRateLimiter;
import io.dualcore.gateway.ratelimit.ResilientRateLimiter;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.support.redis.RedisCircuitBreakers;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/** Rate-limit plans and the bucket backend (local, or Redis with a breaker and fallbacks). */
@Configuration(proxyBeanMethods = false)
public class RateLimitConfiguration {

    /** The {@code RateLimit} response headers' style, checked at startup ({@code dualcore.rate-limit.headers}). */
    @Bean
    RateLimitHeaders rateLimitHeaders(RateLimitProperties properties) {
        return new RateLimitHeaders(properties.headers());
    }

    @Bean
    Map<String, RatePlan> ratePlans(RateLimitProperties properties, RouteProperties routes) {
        return RatePlans.of(properties, routes);
    }

    /** This gateway's registration among those sharing a Redis, when the redis backend counts its peers. */
    @Bean(destroyMethod = "close")
    @Conditional(RedisConfiguredCondition.class)
    @ConditionalOnProperty(name = "dualcore.rate-limit.backend", havingValue = "redis")
    @ConditionalOnBooleanProperty(name = "dualcore.rate-limit.discovery.enabled", matchIfMissing = true)
    GatewayInstances gatewayInstances(
            RateLimitProperties properties, RedisProperties redis, RedisConnections connections) {
        RateLimitProperties.Discovery discovery = properties.discovery();
        if (discovery.renewEvery().compareTo(discovery.ttl()) >= 0) {
            throw new IllegalStateException("dualcore.rate-limit.discovery.renew-every (" + discovery.renewEvery()
                    + ") must be shorter than dualcore.rate-limit.discovery.ttl (" + discovery.ttl()
                    + "), or every gateway drops out between renewals");
        }
        GatewayInstances instances = new GatewayInstances(
                connections.scripting(),
                discovery.group(),
                instanceId(),
                discovery.ttl(),
                discovery.renewEvery(),
                redis.timeout(),
                properties.instances());
        instances.start();
        return instances;
    }

    /** The pod or host name (readable in Redis), made unique for gateways sharing a host. */
    private static String instanceId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException ex) {
                host = "gateway";
            }
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Bean
    RateLimiter rateLimiter(
            RateLimitProperties properties,
            RedisProperties redis,
            ObjectProvider<RedisConnections> connections,
            ObjectProvider<GatewayInstances> gatewayInstances) {
        if (properties.backend() == RateLimitProperties.Backend.LOCAL) {
            return new LocalRateLimiter(properties.maximumLocalKeys());
        }
        RedisConnections redisConnections = connections.getIfAvailable();
        if (redisConnections == null) {
            throw new IllegalStateException(
                    "dualcore.rate-limit.backend is redis but neither dualcore.redis.url (REDIS_URL) nor"
                            + " dualcore.redis.cluster.nodes is set");
        }
        RateLimitProperties.CircuitBreaker settings = properties.circuitBreaker();
        CircuitBreaker breaker = RedisCircuitBreakers.create(
                "redis-rate-limit", settings.failureRateThreshold(), settings.minimumCalls(), settings.openFor());
        return new ResilientRateLimiter(
                new RedisRateLimiter(redisConnections.binaryConnection(), redis.timeout()),
                new LocalRateLimiter(properties.maximumLocalKeys()),
                breaker,
                redis.timeout(),
                sharedBy(properties, gatewayInstances.getIfAvailable()),
                () -> switch (redisConnections.reachability()) {
                    case UNKNOWN -> ResilientRateLimiter.Backend.UNKNOWN;
                    case UP -> ResilientRateLimiter.Backend.UP;
                    case UNREACHABLE -> ResilientRateLimiter.Backend.UNREACHABLE;
                });
    }

    /** The live count when discovery is on, else the static number. */
    private static IntSupplier sharedBy(RateLimitProperties properties, GatewayInstances live) {
        if (live != null) {
            return live;
        }
        int fixed = properties.instances();
        return () -> fixed;
    }
}
