package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.ratelimit.RateLimiter;
import io.dualcore.gateway.route.ModeRoutePredicateFactory;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.RequestPathProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.webflux.autoconfigure.WebFluxProperties;
import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.format.support.DefaultFormattingConversionService;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * A decision door (forward-auth's call into the engine, door {@code traefik}) under concurrent traffic while the
 * configuration swaps between two versions: version A routes {@code /orders} to route {@code orders-a}, open to
 * anonymous callers; version B to route {@code orders-b}, which needs a token. Every answer must be one version's
 * entirely, judged by the version the decision reports: a route of one version judged by the other's policies would be
 * a {@code no_route_policy} refusal.
 */
class PinnedDecisionTests {

    private final ConfigurationCompiler compiler = new ConfigurationCompiler(
            List.of(
                    new PathRoutePredicateFactory(new WebFluxProperties()),
                    new ModeRoutePredicateFactory(TestModes.REGISTRY)),
            List.of(),
            new ConfigurationService(
                    new DefaultListableBeanFactory(), DefaultFormattingConversionService::new, () -> null),
            Clock.systemUTC(),
            TestModes.REGISTRY);

    private ActiveConfiguration compile(String route, String modes) {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "test",
                        Map.of(
                                "spring.cloud.gateway.server.webflux.routes[0].id",
                                route,
                                "spring.cloud.gateway.server.webflux.routes[0].uri",
                                "http://localhost:1",
                                "spring.cloud.gateway.server.webflux.routes[0].predicates[0]",
                                "Path=/orders/**",
                                "dualcore.routes." + route + ".access.modes",
                                modes)));
        return this.compiler.compile(environment, null);
    }

    private static DecisionEngine engine(LiveConfiguration live) {
        return new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                new TokenAuthenticator(
                        List.of(), new VerifiedTokenCache(100, Clock.systemUTC()), 8192, List.of(), null),
                name -> false,
                new LiveRouteLocator(live),
                CompiledRoutes.live(
                        exchange -> ((exchange != null) ? live.of(exchange) : live.current()).compiledRoutes()),
                mock(RateLimiter.class),
                mock(RateLimitHeaders.class),
                mock(IdentityHeaders.class),
                mock(IdentityAssertionSigner.class),
                DecisionEngine.Observers.NONE,
                null,
                RouteTokenChecks.NONE,
                live);
    }

    private static Decision decide(DecisionEngine engine) {
        DecisionRequest request = new DecisionRequest(
                "traefik", HttpMethod.GET, "/orders/42", "https", "app.example.com", new HttpHeaders(), null);
        return engine.decide(MockServerWebExchange.from(MockServerHttpRequest.get("/traefik")), request)
                .block();
    }

    @Test
    void decideWhenConfigurationSwapsUnderConcurrentForwardAuthTrafficThenEveryAnswerIsOneVersionEntirely()
            throws Exception {
        ActiveConfiguration a = compile("orders-a", "anonymous");
        ActiveConfiguration b = compile("orders-b", "oidc");
        assertThat(a.version()).isNotEqualTo(b.version());
        LiveConfiguration live = new LiveConfiguration(a);
        DecisionEngine engine = engine(live);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong swaps = new AtomicLong();
        Map<String, AtomicLong> seen = new ConcurrentHashMap<>();
        List<String> mixed = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            Future<?> swapper = threads.submit(() -> {
                while (running.get()) {
                    ActiveConfiguration next = (swaps.incrementAndGet() % 2 == 0) ? a : b;
                    live.apply(
                            next, new LiveConfiguration.Change(next.version(), Instant.now(), "test", ""), List.of());
                }
            });
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                clients.add(threads.submit(() -> {
                    for (int i = 0; i < 400; i++) {
                        Decision decision = decide(engine);
                        seen.computeIfAbsent(decision.configuration(), v -> new AtomicLong())
                                .incrementAndGet();
                        boolean versionA = a.version().equals(decision.configuration())
                                && "orders-a".equals(decision.routeId())
                                && decision.allowed();
                        boolean versionB = b.version().equals(decision.configuration())
                                && "orders-b".equals(decision.routeId())
                                && decision.status() == 401;
                        if (!versionA && !versionB) {
                            synchronized (mixed) {
                                mixed.add(decision.configuration() + " " + decision.routeId() + " " + decision.status()
                                        + " " + decision.steps());
                            }
                        }
                    }
                }));
            }
            for (Future<?> client : clients) {
                client.get(60, TimeUnit.SECONDS);
            }
            running.set(false);
            swapper.get(10, TimeUnit.SECONDS);
        } finally {
            running.set(false);
            threads.shutdownNow();
        }

        assertThat(mixed).as("answers mixing two configurations").isEmpty();
        assertThat(seen).as("both versions answered").containsOnlyKeys(a.version(), b.version());
        assertThat(swaps.get()).isGreaterThan(2);
    }
}
