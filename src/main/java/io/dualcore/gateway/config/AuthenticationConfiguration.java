package io.dualcore.gateway.config;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenVerifier;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.auth.edge.EdgeKeyRing;
import io.dualcore.gateway.auth.edge.EdgeTokenVerifier;
import io.dualcore.gateway.auth.edge.InMemoryReplayGuard;
import io.dualcore.gateway.auth.edge.RedisReplayGuard;
import io.dualcore.gateway.auth.edge.ReplayGuard;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.auth.web.AuthenticationGlobalFilter;
import io.dualcore.gateway.route.UpstreamFailureFilter;
import io.dualcore.gateway.support.redis.RedisConnections;
import io.dualcore.gateway.support.redis.RedisProperties;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.web.ProblemResponses;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Wires the verification chain from {@link AuthProperties}: OIDC issuers first, then the edge key ring. */
@Configuration(proxyBeanMethods = false)
public class AuthenticationConfiguration {

    private static final Log logger = LogFactory.getLog(AuthenticationConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "dispose")
    Scheduler jwksScheduler() {
        // JWKS fetches block; they run here, bounded, never on an event-loop thread
        return Schedulers.newBoundedElastic(16, 10_000, "jwks");
    }

    @Bean(destroyMethod = "close")
    @Conditional(RedisConfiguredCondition.class)
    RedisConnections redisConnections(RedisProperties properties) {
        RedisConnections connections = new RedisConnections(properties);
        connections.warmUp();
        return connections;
    }

    @Bean
    ReplayGuard replayGuard(ObjectProvider<RedisConnections> redis, RedisProperties redisProperties, Clock clock) {
        RedisConnections connections = redis.getIfAvailable();
        if (connections != null) {
            return new RedisReplayGuard(
                    connections.strings(),
                    clock,
                    redisProperties.timeout(),
                    redisProperties.circuitBreaker().create("redis-replay-guard"));
        }
        return new InMemoryReplayGuard(1_000_000, clock);
    }

    @Bean
    List<OidcTokenVerifier> oidcTokenVerifiers(
            AuthProperties properties, Scheduler jwksScheduler, Clock clock, ObjectProvider<Tracer> tracer) {
        Tracer dualcoreTracer = tracer.getIfAvailable(
                () -> OpenTelemetry.noop().getTracer(TelemetryConfiguration.INSTRUMENTATION_SCOPE));
        List<OidcTokenVerifier> verifiers = new ArrayList<>();
        List<AuthProperties.Issuer> issuers = properties.oidc().issuers();
        for (int i = 0; i < issuers.size(); i++) {
            AuthProperties.Issuer issuer = issuers.get(i);
            String where = "dualcore.auth.oidc.issuers[" + i + "]";
            if (!StringUtils.hasText(issuer.name()) || !StringUtils.hasText(issuer.issuerUri())) {
                throw new IllegalStateException(where + ": name and issuer-uri are required");
            }
            if (issuer.audiences().isEmpty()) {
                throw new IllegalStateException(where + " (" + issuer.name()
                        + "): audiences is empty; list the aud values this gateway accepts (e.g. dualcore-gateway)");
            }
            AuthProperties.Jwks jwks = issuer.jwks();
            if (jwks.refreshAhead().plus(jwks.refreshTimeout()).compareTo(jwks.cacheTtl()) > 0) {
                throw new IllegalStateException(where + " (" + issuer.name() + "): jwks.refresh-ahead ("
                        + jwks.refreshAhead() + ") + jwks.refresh-timeout (" + jwks.refreshTimeout()
                        + ") must not exceed jwks.cache-ttl (" + jwks.cacheTtl() + ")");
            }
            verifiers.add(new OidcTokenVerifier(
                    issuer,
                    JwksKeySource.of(issuer, clock, dualcoreTracer),
                    jwksScheduler,
                    clock,
                    properties.clockSkew()));
        }
        return verifiers;
    }

    /** Loads every issuer's keys at startup (without waiting for them) and keeps them fresh between requests. */
    @Bean(destroyMethod = "dispose")
    Disposable jwksKeepWarm(List<OidcTokenVerifier> oidcTokenVerifiers, Scheduler jwksScheduler) {
        Disposable.Composite tasks = Disposables.composite();
        for (OidcTokenVerifier verifier : oidcTokenVerifiers) {
            long period =
                    JwksKeySource.keepWarmPeriod(verifier.settings().jwks()).toMillis();
            tasks.add(jwksScheduler.schedulePeriodically(
                    verifier.keys()::refreshIfDue, 0, period, TimeUnit.MILLISECONDS));
        }
        return tasks;
    }

    /** Stops each key source's refresh-ahead thread with the context (they would keep the JVM alive). */
    @Bean
    DisposableBean jwksKeySourcesCloser(List<OidcTokenVerifier> oidcTokenVerifiers) {
        return () -> {
            for (OidcTokenVerifier verifier : oidcTokenVerifiers) {
                verifier.keys().close();
            }
        };
    }

    @Bean
    TokenAuthenticator tokenAuthenticator(
            AuthProperties properties,
            List<OidcTokenVerifier> oidcTokenVerifiers,
            ReplayGuard replayGuard,
            Clock clock) {
        List<TokenVerifier> chain = new ArrayList<>(oidcTokenVerifiers);
        AuthProperties.Edge edge = properties.edge();
        if (StringUtils.hasText(edge.issuer())) {
            EdgeKeyRing ring = EdgeKeyRing.of(edge.keys());
            if (ring.isEmpty()) {
                throw new IllegalStateException(
                        "dualcore.auth.edge.issuer is set but dualcore.auth.edge.keys is empty; add a key or unset the"
                                + " issuer");
            }
            chain.add(new EdgeTokenVerifier(edge, ring, replayGuard, clock, properties.clockSkew()));
        }
        if (chain.isEmpty()) {
            logger.warn("No OIDC issuer and no edge key ring configured: every authenticated route will answer 401");
        }
        VerifiedTokenCache cache = properties.cache().enabled()
                ? new VerifiedTokenCache(properties.cache().maximumSize(), clock)
                : null;
        return new TokenAuthenticator(chain, cache, properties.maxTokenLength());
    }

    @Bean
    ProblemResponses authErrorResponses() {
        return new ProblemResponses("dualcore-gateway", 5);
    }

    @Bean
    UpstreamFailureFilter upstreamFailureFilter(ProblemResponses authErrorResponses) {
        return new UpstreamFailureFilter(authErrorResponses);
    }

    @Bean
    AuthenticationGlobalFilter authenticationGlobalFilter(
            TokenAuthenticator tokenAuthenticator,
            ProblemResponses authErrorResponses,
            ObjectProvider<GatewayTelemetry> telemetry) {
        return new AuthenticationGlobalFilter(
                tokenAuthenticator, authErrorResponses, telemetry.getIfAvailable(GatewayTelemetry::disabled));
    }
}
