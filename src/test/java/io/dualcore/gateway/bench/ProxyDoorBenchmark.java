package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.RouteTokenChecks;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.pipeline.CompiledRoutes;
import io.dualcore.gateway.pipeline.ConfigurationPin;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.pipeline.IdentitySettings;
import io.dualcore.gateway.policy.RoutePolicies;
import io.dualcore.gateway.proxy.AuthenticationWebFilter;
import io.dualcore.gateway.proxy.RoutePipelineFilter;
import io.dualcore.gateway.ratelimit.LocalRateLimiter;
import io.dualcore.gateway.ratelimit.RateLimitHeaders;
import io.dualcore.gateway.route.RouteProperties;
import io.dualcore.gateway.telemetry.AuditLinesForBench;
import io.dualcore.gateway.telemetry.AuditLog;
import io.dualcore.gateway.telemetry.GatewayTelemetry;
import io.dualcore.gateway.telemetry.ServerSpanWebFilter;
import io.dualcore.gateway.telemetry.TraceContextHeadersFilter;
import io.dualcore.gateway.web.HopByHopHeadersFilter;
import io.dualcore.gateway.web.PathCanonicalizer;
import io.dualcore.gateway.web.ProblemResponses;
import io.dualcore.gateway.web.RequestPathProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The gateway's own share of a proxied request (issue 28), as the proxy door runs it on the event loop, one
 * thread: the server span web filter, the authentication web filter (a verified-token cache hit of a reused RS256
 * token), the route pipeline global filter (policy, no rate limit, the identity assertion, the hand-over), the
 * upstream request's header filters (the hop-by-hop filter that replaces Spring Cloud Gateway's, then the identity headers and
 * {@code traceparent}), the completion with its counter and
 * audit event; with the shipped telemetry: the OpenTelemetry SDK sampling 10% of the requests
 * ({@code parentBased(traceIdRatioBased(0.1))}) into a batch exporter that drops, Micrometer counters, audit events
 * for allowed requests queued to the writer thread (which formats them as ECS lines and drops them).
 *
 * <ul>
 *   <li>{@code mockExchange}: the baseline: the same mock exchange, header copy and upstream answer, without any of
 *       the gateway's filters;
 *   <li>{@code proxyDoorAllowed}: the whole door; minus the baseline, what the gateway's steps cost per request;
 *   <li>{@code proxyDoorUnsampled}, the same with the sampler at 0 (every request unsampled): the pipeline without
 *       span work.
 * </ul>
 *
 * <p>With {@code -prof gc}, {@code gc.alloc.rate.norm} counts the bytes of every thread of the process, so the
 * audit writer's formatting is included. Spring Cloud Gateway's and Reactor Netty's own work (route matching, the
 * HTTP client, the codecs) is not here: {@code bench/compare.sh}'s JFR profile shows it.
 *
 * <p>Run: {@code java -cp ... io.dualcore.gateway.bench.ProxyDoorBenchmark [regex] [-prof gc]} (bench/README.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class ProxyDoorBenchmark {

    private static final Map<String, String> SETTINGS = Map.of(
            "dualcore.routes.microservice-core.access.modes", "oidc",
            "dualcore.routes.microservice-core.identity-assertion", "true");

    /** The share of requests the SDK samples (the shipped {@code management.tracing.sampling.probability}). */
    @Param({"0.1"})
    public double sampling;

    /**
     * Whether the request is pinned to a configuration whose identity settings the steps read (as a live
     * configuration pins each request: {@code live.ActiveConfigurationWebFilter}), or runs on the startup ones.
     */
    @Param({"false", "true"})
    public boolean pinned;

    /** The pinned identity settings (the exchange attribute an {@link AttributePin} reads). */
    private IdentitySettings identitySettings;

    private TestChain chain;

    private SdkTracerProvider tracing;

    private AuditLog audit;

    private ServerSpanWebFilter serverSpan;

    private AuthenticationWebFilter authentication;

    private RoutePipelineFilter pipeline;

    private List<HttpHeadersFilter> headerFilters;

    private Route route;

    private String authorization;

    private MockServerHttpRequest request;

    private final InetSocketAddress client = new InetSocketAddress("10.0.0.7", 53124);

    private WebFilterChain afterAuthentication;

    private WebFilterChain afterServerSpan;

    private GatewayFilterChain upstream;

    @Setup(Level.Trial)
    public void setUp() {
        this.chain = TestChain.create();
        this.authorization = "Bearer "
                + TestChain.realmAToken()
                        .claim("realm_access", Map.of("roles", List.of("user", "orders:read")))
                        .claim("scope", "openid profile")
                        .sign();
        this.tracing = SdkTracerProvider.builder()
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(this.sampling)))
                .addSpanProcessor(
                        BatchSpanProcessor.builder(new DroppingExporter()).build())
                .build();
        this.audit = AuditLinesForBench.ecsAuditLogToNowhere();
        GatewayTelemetry telemetry = new GatewayTelemetry(
                this.tracing.get("bench"),
                new SimpleMeterRegistry(),
                this.audit,
                false,
                TestModes.REGISTRY,
                Set.of(TestModes.EDGE));
        Binder binder = new Binder(new MapConfigurationPropertySource(SETTINGS));
        RouteProperties routes = binder.bind("dualcore", RouteProperties.class).get();
        CompiledRoutes compiled = CompiledRoutes.of(
                RoutePolicies.of(routes, List.of("microservice-core"), TestModes.REGISTRY),
                Map.of(),
                TestModes.REGISTRY);
        this.route = Route.async()
                .id("microservice-core")
                .uri(URI.create("http://core.internal:9001"))
                .predicate(exchange -> true)
                .build();
        IdentityHeaders identityHeaders = new IdentityHeaders("X-Auth-");
        IdentityProperties.Assertion assertion =
                new IdentityProperties.Assertion("dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24));
        this.identitySettings = IdentitySettings.of(
                new IdentityProperties("X-Auth-", assertion), CredentialsProperties.defaults(), null);
        ConfigurationPin pin = this.pinned ? new AttributePin() : ConfigurationPin.NONE;
        DecisionEngine engine = new DecisionEngine(
                new PathCanonicalizer(RequestPathProperties.defaults()),
                this.chain.authenticator,
                identityHeaders::isReserved,
                () -> reactor.core.publisher.Flux.just(this.route),
                compiled,
                new LocalRateLimiter(1000),
                new RateLimitHeaders(RateLimitHeaders.Style.DRAFT),
                identityHeaders,
                new IdentityAssertionSigner(assertion, Clock.systemUTC()),
                new DecisionEngine.Observers(telemetry, telemetry, telemetry),
                null,
                RouteTokenChecks.NONE,
                pin);
        ProblemResponses errors = new ProblemResponses("dualcore-gateway", 5);
        W3CTraceContextPropagator propagator = W3CTraceContextPropagator.getInstance();
        this.serverSpan = new ServerSpanWebFilter(this.tracing.get("bench"), propagator, null);
        this.authentication = new AuthenticationWebFilter(engine, errors, null, java.util.Set.of());
        this.pipeline = new RoutePipelineFilter(engine, errors);
        // the shipped hop-by-hop filter first (it hands on a copy of the client's headers), then ours
        this.headerFilters = List.of(
                HopByHopHeadersFilter.of(new RemoveHopByHopHeadersFilter()),
                new IdentityHandOver(identityHeaders, CredentialCarriers.of(CredentialsProperties.defaults()), pin, 0),
                new TraceContextHeadersFilter(propagator));
        this.request = MockServerHttpRequest.get("http://gateway.test/api/bench")
                .remoteAddress(this.client)
                .header(HttpHeaders.HOST, "gateway.test")
                .header(HttpHeaders.ACCEPT, "*/*")
                .header(HttpHeaders.USER_AGENT, "wrk")
                .header(HttpHeaders.AUTHORIZATION, this.authorization)
                .build();
        this.upstream = this::forward;
        this.afterAuthentication = exchange -> {
            // what Spring Cloud Gateway's route matching leaves on the exchange
            exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, this.route);
            return this.pipeline.filter(exchange, this.upstream);
        };
        this.afterServerSpan = exchange -> this.authentication.filter(exchange, this.afterAuthentication);
        MockServerWebExchange first = exchange();
        this.serverSpan.filter(first, this.afterServerSpan).block();
        if (first.getResponse().getStatusCode() != HttpStatus.OK) {
            throw new IllegalStateException("the benchmark request was not forwarded: "
                    + first.getResponse().getStatusCode());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        this.audit.close();
        this.tracing.close();
        this.chain.keysA.close();
        this.chain.keysB.close();
        this.chain.keysEc.close();
    }

    /** What the upstream request gets: a copy of the client's headers through the request header filters. */
    private Mono<Void> forward(ServerWebExchange exchange) {
        HttpHeaders headers = HttpHeadersFilter.filterRequest(this.headerFilters, exchange);
        exchange.getResponse().setStatusCode((headers.size() > 0) ? HttpStatus.OK : HttpStatus.BAD_GATEWAY);
        return Mono.empty();
    }

    /** A new exchange of the same request (built once: the gateway never writes into the client's request). */
    private MockServerWebExchange exchange() {
        MockServerWebExchange exchange = MockServerWebExchange.from(this.request);
        if (this.pinned) {
            // what the live configuration's first web filter does
            exchange.getAttributes().put(AttributePin.ATTRIBUTE, this.identitySettings);
        }
        return exchange;
    }

    /** Reads the identity settings pinned to the exchange, as {@code live.LiveConfiguration} does. */
    private static final class AttributePin implements ConfigurationPin {

        static final String ATTRIBUTE = AttributePin.class.getName();

        @Override
        public <T> Mono<T> pinned(ServerWebExchange exchange, java.util.function.Supplier<Mono<T>> work) {
            return work.get();
        }

        @Override
        public io.dualcore.gateway.auth.VerifierChain verifiers(ServerWebExchange exchange) {
            return null;
        }

        @Override
        public String version(ServerWebExchange exchange) {
            return null;
        }

        @Override
        public IdentitySettings identitySettings(ServerWebExchange exchange) {
            return exchange.getAttribute(ATTRIBUTE);
        }
    }

    @Benchmark
    public ServerWebExchange mockExchange() {
        MockServerWebExchange exchange = exchange();
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, this.route);
        forward(exchange).block();
        return exchange;
    }

    @Benchmark
    public ServerWebExchange proxyDoorAllowed() {
        MockServerWebExchange exchange = exchange();
        this.serverSpan.filter(exchange, this.afterServerSpan).block();
        return exchange;
    }

    /** Arguments as JMH's own: {@code [regex] [-prof gc] [-p sampling=0]}; no regex: every case of this class. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(ProxyDoorBenchmark.class.getSimpleName() + "\\.");
        }
        new Runner(options.build()).run();
    }

    /** Accepts every batch and keeps nothing. */
    private static final class DroppingExporter implements SpanExporter {

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
