package io.dualcore.gateway.bench;

import com.sun.net.httpserver.HttpServer;
import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.VerifiedTokenCache;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.JwtExtensions;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.auth.oidc.UserInfoEnricher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import reactor.core.scheduler.Schedulers;

/**
 * What UserInfo enrichment adds to a verified-token cache miss, in process: realm A (RS256) verifying every call
 * (cache off) with and without a UserInfo call to a loopback stub (JDK {@code HttpServer}, a fixed 200 JSON answer,
 * so the IdP's own work is not in the number), and a cache hit with enrichment on (which must cost what a plain hit
 * costs: no call). The end-to-end cost against Keycloak over HTTP is for the comparison run; see
 * {@code /work/notes/issue14-userinfo.md}.
 *
 * <p>Run: {@code java -cp ... io.dualcore.gateway.bench.UserInfoBenchmark [regex]} ({@code -Dbench.warmup=1
 * -Dbench.iterations=1} for a smoke run).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class UserInfoBenchmark {

    private static final String SUBJECT = "bench-user";

    private HttpServer server;

    private ExecutorService executor;

    private String token;

    /** Cache off, no enrichment: a miss as it is today. */
    private TokenAuthenticator uncachedPlain;

    /** Cache off, enrichment on: every call verifies and calls UserInfo. */
    private TokenAuthenticator uncachedUserInfo;

    /** Cache on, enrichment on, the token cached: no UserInfo call. */
    private TokenAuthenticator cachedUserInfo;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[] answer = ("{\"sub\":\"" + SUBJECT + "\",\"email\":\"bench@example.com\","
                        + "\"preferred_username\":\"bench\",\"groups\":[\"a\",\"b\"]}")
                .getBytes(StandardCharsets.UTF_8);
        // the JDK server writes headers and body separately: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.executor = Executors.newFixedThreadPool(2);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.server.setExecutor(this.executor);
        this.server.createContext("/userinfo", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        this.server.start();
        this.token = TestChain.realmAToken()
                .claim("sub", SUBJECT)
                .time("exp", java.time.Instant.now().plusSeconds(3600))
                .sign();
        this.uncachedPlain = authenticator(false, false);
        this.uncachedUserInfo = authenticator(true, false);
        this.cachedUserInfo = authenticator(true, true);
        this.cachedUserInfo.authenticate(this.token).block();
    }

    private TokenAuthenticator authenticator(boolean userInfo, boolean cached) {
        Clock clock = Clock.systemUTC();
        AuthProperties.UserInfo settings = userInfo
                ? new AuthProperties.UserInfo(
                        true,
                        "http://127.0.0.1:" + this.server.getAddress().getPort() + "/userinfo",
                        List.of("email", "preferred_username", "groups"),
                        AuthProperties.UserInfo.FailurePolicy.DENY,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(30),
                        51200,
                        AuthProperties.UserInfo.CircuitBreaker.DEFAULTS,
                        Duration.ofMinutes(1))
                : AuthProperties.UserInfo.DISABLED;
        AuthProperties.Issuer issuer = TestIssuers.issuer("realm-a", TestChain.ISSUER_A)
                .audiences(List.of(TestChain.AUDIENCE))
                .jwks(TestChain.DEFAULT_JWKS)
                .userinfo(settings)
                .build();
        OidcTokenVerifier verifier = new OidcTokenVerifier(
                issuer,
                JwksKeySource.of(new TestChain.MutableJwkSetSource(TestChain.KEY_A), TestChain.DEFAULT_JWKS, clock),
                Schedulers.immediate(),
                clock,
                TestChain.CLOCK_SKEW,
                JwtExtensions.none(),
                userInfo ? UserInfoEnricher.of(issuer) : null);
        return new TokenAuthenticator(
                List.of(verifier), cached ? new VerifiedTokenCache(1_000, clock) : null, TestChain.MAX_TOKEN_LENGTH);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        this.server.stop(0);
        this.executor.shutdownNow();
    }

    /** Baseline: an RS256 miss without enrichment. */
    @Benchmark
    public GatewayIdentity rs256MissPlain() {
        return this.uncachedPlain.authenticate(this.token).block();
    }

    /** An RS256 miss plus one UserInfo round trip over loopback (and the hop back to Reactor's parallel workers). */
    @Benchmark
    public GatewayIdentity rs256MissWithUserInfo() {
        return this.uncachedUserInfo.authenticate(this.token).block();
    }

    /** A cache hit of an enriched identity: no UserInfo call. */
    @Benchmark
    public GatewayIdentity cacheHitWithUserInfo() {
        return this.cachedUserInfo.authenticate(this.token).block();
    }

    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(UserInfoBenchmark.class.getName() + "\\." + (args.length > 0 ? args[0] : ".*"))
                .forks(1)
                // -Dbench.warmup / -Dbench.iterations: a smoke run uses 1 / 1
                .warmupIterations(Integer.getInteger("bench.warmup", 5))
                .warmupTime(TimeValue.seconds(2))
                .measurementIterations(Integer.getInteger("bench.iterations", 5))
                .measurementTime(TimeValue.seconds(2))
                .build();
        new Runner(options).run();
    }
}
