package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.route.FirstRouteHandlerMapping;
import io.dualcore.gateway.route.RealmRoutePredicateFactory;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.springframework.boot.webflux.autoconfigure.WebFluxProperties;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.handler.AsyncPredicate;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;

/**
 * Route matching of a proxied request (issue 28): the shipped route list's first four routes ({@code /api/public/**},
 * {@code /api/admin/**}, {@code /api/partners/**} with {@code Realm=partners}, {@code /api/**}) and a request to
 * {@code /api/bench} by a {@code dualcore} identity, as {@code bench/compare.sh} sends it: the fourth route matches.
 * Through the handler mapping's public entry ({@code getHandler}), so both include its CORS check and context set-up:
 * <ul>
 *   <li>{@code springCloudGateway}: Spring Cloud Gateway's {@code RoutePredicateHandlerMapping} (a Reactor
 *       {@code filterWhen} over the routes);
 *   <li>{@code firstRoute}: the gateway's {@link FirstRouteHandlerMapping} (each predicate's answer read at once).
 * </ul>
 * <p>Run: {@code java -cp ... io.dualcore.gateway.bench.RouteLookupBenchmark [-prof gc]} (bench/README.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class RouteLookupBenchmark {

    private RoutePredicateHandlerMapping springCloudGateway;

    private RoutePredicateHandlerMapping firstRoute;

    private ServerWebExchange exchange;

    @Setup
    public void setUp() {
        PathRoutePredicateFactory path = new PathRoutePredicateFactory(new WebFluxProperties());
        RealmRoutePredicateFactory realm = new RealmRoutePredicateFactory();
        List<Route> routes = List.of(
                route("public-health", AsyncPredicate.from(path.apply(paths("/api/public/**")))),
                route("microservice-admin", AsyncPredicate.from(path.apply(paths("/api/admin/**")))),
                route(
                        "partner-api",
                        AsyncPredicate.from(path.apply(paths("/api/partners/**")))
                                .and(AsyncPredicate.from(realm.apply(
                                        new RealmRoutePredicateFactory.Config().setRealms(List.of("partners")))))),
                route("microservice-core", AsyncPredicate.from(path.apply(paths("/api/**")))));
        FilteringWebHandler handler = new FilteringWebHandler(List.of(), false);
        this.springCloudGateway = new RoutePredicateHandlerMapping(
                handler, () -> Flux.fromIterable(routes), new GlobalCorsProperties(), new MockEnvironment());
        this.firstRoute = new FirstRouteHandlerMapping(
                handler,
                () -> Flux.fromIterable(routes),
                new GlobalCorsProperties(),
                new MockEnvironment(),
                exchange -> routes);
        this.exchange = MockServerWebExchange.from(MockServerHttpRequest.get("http://localhost/api/bench"));
        this.exchange
                .getAttributes()
                .put(
                        GatewayIdentity.ATTRIBUTE,
                        new GatewayIdentity(
                                OidcVerificationMode.MODE,
                                "http://localhost:8180/realms/dualcore",
                                "dualcore",
                                "alice",
                                "dualcore-service",
                                Set.of("user"),
                                Set.of("openid"),
                                null,
                                "kid-1",
                                Instant.now().plusSeconds(3600),
                                Map.of()));
        if (lookup(this.springCloudGateway) != handler || lookup(this.firstRoute) != handler) {
            throw new IllegalStateException("the request must match a route");
        }
    }

    private Object lookup(RoutePredicateHandlerMapping mapping) {
        return mapping.getHandler(this.exchange).block();
    }

    private static PathRoutePredicateFactory.Config paths(String pattern) {
        return new PathRoutePredicateFactory.Config().setPatterns(List.of(pattern));
    }

    private static Route route(String id, AsyncPredicate<ServerWebExchange> predicate) {
        return Route.async()
                .id(id)
                .uri(URI.create("http://localhost:9001"))
                .asyncPredicate(predicate)
                .build();
    }

    @Benchmark
    public Object springCloudGateway() {
        return lookup(this.springCloudGateway);
    }

    @Benchmark
    public Object firstRoute() {
        return lookup(this.firstRoute);
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(RouteLookupBenchmark.class.getSimpleName() + "\\.");
        }
        new Runner(options.build()).run();
    }
}
