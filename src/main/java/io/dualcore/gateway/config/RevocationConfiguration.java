package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.IdentityCheck;
import io.dualcore.gateway.auth.revocation.RedisRevocationSharing;
import io.dualcore.gateway.auth.revocation.RevocationCheck;
import io.dualcore.gateway.auth.revocation.RevocationList;
import io.dualcore.gateway.auth.revocation.RevocationObserver;
import io.dualcore.gateway.auth.revocation.RevocationProperties;
import io.dualcore.gateway.auth.revocation.RevocationSharing;
import io.dualcore.gateway.auth.revocation.Revocations;
import io.dualcore.gateway.auth.revocation.web.ClosingWebSocketService;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.telemetry.RevocationTelemetry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.socket.server.WebSocketService;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * Wires revocation (README "Revocation and back-channel logout"): the in-memory list, the check every identity
 * passes (first of the {@link IdentityCheck}s), sharing through Redis when it is configured, and telemetry. The
 * management endpoints are wired in the management context ({@link ManagementEndpointsConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "dualcore.revocation.enabled", matchIfMissing = true)
public class RevocationConfiguration {

    /** The revocation check's place among the identity checks: the first. */
    public static final int REVOCATION_CHECK_ORDER = 0;

    @Bean
    RevocationList revocationList(RevocationProperties properties, Clock clock) {
        return new RevocationList(properties.maximumSize(), clock);
    }

    /** Drops lapsed revocations every minute (a lapsed one refuses nothing meanwhile: it is only memory). */
    @Bean(destroyMethod = "dispose")
    Disposable revocationPurge(RevocationList revocationList) {
        return Schedulers.parallel().schedulePeriodically(revocationList::purgeExpired, 1, 1, TimeUnit.MINUTES);
    }

    @Bean
    @Order(REVOCATION_CHECK_ORDER)
    RevocationCheck revocationCheck(RevocationList revocationList) {
        return new RevocationCheck(revocationList);
    }

    @Bean
    RevocationObserver revocationObserver(ObjectProvider<MeterRegistry> meters) {
        MeterRegistry registry = meters.getIfAvailable();
        return (registry != null) ? new RevocationTelemetry(registry) : RevocationObserver.NONE;
    }

    /** Shares revocations through Redis when it is configured; loads the shared ones before the first request. */
    @Bean(destroyMethod = "close")
    RevocationSharingHolder revocationSharing(
            ObjectProvider<RedisConnections> redis,
            RevocationProperties properties,
            RevocationList revocationList,
            Clock clock) {
        RedisConnections connections = redis.getIfAvailable();
        if (connections == null) {
            return new RevocationSharingHolder(RevocationSharing.NONE, null);
        }
        RedisRevocationSharing sharing = new RedisRevocationSharing(
                connections.hashes(),
                connections.strings(),
                revocationList,
                clock,
                properties.sync().timeout(),
                properties.sync().resync());
        sharing.loadNow();
        sharing.start(properties.sync().interval());
        return new RevocationSharingHolder(sharing, sharing);
    }

    @Bean
    Revocations revocations(
            RevocationList revocationList, RevocationSharingHolder revocationSharing, RevocationObserver observer) {
        return new Revocations(revocationList, revocationSharing.sharing(), observer);
    }

    @Bean
    MeterBinder revocationMeters(RevocationList revocationList, RevocationSharingHolder revocationSharing) {
        return registry -> {
            Gauge.builder("dualcore.revocations.active", revocationList, RevocationList::size)
                    .description("Revocations held by this instance (bounded by dualcore.revocation.maximum-size)")
                    .register(registry);
            if (revocationSharing.redis() != null) {
                Gauge.builder(
                                "dualcore.revocations.sync.age",
                                revocationSharing.redis(),
                                RedisRevocationSharing::secondsSinceLastSync)
                        .description("Seconds since this instance last read the shared revocations from Redis")
                        .baseUnit("seconds")
                        .register(registry);
            }
        };
    }

    /**
     * Wraps Spring Cloud Gateway's WebSocket service so that proxied WebSockets are closed (1008) when their token
     * expires or is revoked; swept every second.
     */
    @Bean
    static BeanPostProcessor closingWebSocketService(
            ObjectProvider<RevocationList> revocationList,
            ObjectProvider<RevocationObserver> observer,
            ObjectProvider<Clock> clock) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof WebSocketService service && !(bean instanceof ClosingWebSocketService)) {
                    return new ClosingWebSocketService(
                            service,
                            revocationList.getObject(),
                            observer.getObject(),
                            clock.getObject(),
                            Duration.ofSeconds(1));
                }
                return bean;
            }
        };
    }

    /** The sharing in use, and the Redis one to stop with the context. */
    record RevocationSharingHolder(RevocationSharing sharing, RedisRevocationSharing redis) implements AutoCloseable {

        @Override
        public void close() {
            if (this.redis != null) {
                this.redis.close();
            }
        }
    }
}
