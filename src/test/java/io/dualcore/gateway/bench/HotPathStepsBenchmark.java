package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.crypto.CryptoProvider;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.auth.oidc.JwtExtensions;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import io.dualcore.gateway.identity.IdentityAssertionSigner;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.identity.IdentityProperties;
import io.dualcore.gateway.telemetry.AuditEvent;
import io.dualcore.gateway.telemetry.AuditLinesForBench;
import io.dualcore.gateway.telemetry.TestAuditEvents;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
import org.springframework.http.HttpHeaders;
import reactor.core.scheduler.Schedulers;

/**
 * The per-step cost table of an allowed request on the cache-hit path (issue 28), one thread, ns/op; with
 * {@code -prof gc} the bytes each step allocates ({@code gc.alloc.rate.norm}, B/op):
 *
 * <ul>
 *   <li>{@code authenticateCacheHit}: {@code TokenAuthenticator.authenticate(token).block()}, a verified-token cache
 *       hit of a reused RS256 token (extraction checks, cache key, Caffeine look-up, the entry's trust re-check);
 *   <li>{@code cacheLookupHit}: the verified-token cache's {@code lookup} alone;
 *   <li>{@code cacheKeySha256}: the cache key's SHA-256 of the token, as computed before this benchmark existed
 *       ({@code getBytes} + {@code digest()}: the allocating baseline);
 *   <li>{@code identityHeaders}: the identity's {@code X-Auth-*} values (precomputed once per cached identity) written
 *       into request headers;
 *   <li>{@code assertion}: the signed identity assertion of the identity for a route (signed once per identity,
 *       route and key, then reused);
 *   <li>{@code auditLine}: one ECS audit line formatted as the writer thread formats it (off the event loop);
 *   <li>{@code newIdentityRs256}: the cache-off path, every call verifies RS256 (a new identity each time).
 * </ul>
 *
 * <p>Run: {@code java -cp ... io.dualcore.gateway.bench.HotPathStepsBenchmark [regex] [-prof gc]} (bench/README.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class HotPathStepsBenchmark {

    /**
     * The JCA provider of {@code newIdentityRs256}'s signature check ({@code dualcore.crypto.provider}): {@code accp}
     * (the shipped choice on Linux x86_64) or {@code jdk}; {@code -p signatureProvider=jdk} runs one.
     */
    @Param({"accp", "jdk"})
    public String signatureProvider;

    private TestChain chain;

    private TestChain uncachedChain;

    private io.dualcore.gateway.auth.TokenAuthenticator uncached;

    private String token;

    private GatewayIdentity identity;

    private MessageDigest sha256;

    private IdentityHeaders identityHeaders;

    private HttpHeaders requestHeaders;

    private IdentityAssertionSigner signer;

    /** Signs with the {@code signatureProvider} parameter's provider, as the gateway's signer does. */
    private IdentityAssertionSigner signingSigner;

    private int route;

    private BiFunction<AuditEvent, Instant, String> auditFormatter;

    private AuditEvent auditEvent;

    private Instant now;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        this.chain = TestChain.create();
        this.uncachedChain = TestChain.create();
        SignatureProvider chosen =
                SignatureProvider.choose(CryptoProvider.valueOf(this.signatureProvider.toUpperCase(Locale.ROOT)));
        OidcTokenVerifier realmA = new OidcTokenVerifier(
                this.uncachedChain.realmA.settings(),
                this.uncachedChain.keysA,
                Schedulers.immediate(),
                Clock.systemUTC(),
                TestChain.CLOCK_SKEW,
                JwtExtensions.none(),
                null,
                chosen);
        this.uncached = new io.dualcore.gateway.auth.TokenAuthenticator(
                java.util.List.of(realmA), null, TestChain.MAX_TOKEN_LENGTH);
        this.token = TestChain.realmAToken()
                .claim("realm_access", java.util.Map.of("roles", java.util.List.of("user", "orders:read")))
                .claim("scope", "openid profile")
                .sign();
        this.identity = this.chain.authenticator.authenticate(this.token).block();
        if (this.identity == null) {
            throw new IllegalStateException("the benchmark token did not authenticate");
        }
        this.sha256 = MessageDigest.getInstance("SHA-256");
        this.identityHeaders = new IdentityHeaders("X-Auth-");
        this.requestHeaders = new HttpHeaders();
        this.requestHeaders.set("Host", "core.internal");
        this.requestHeaders.set("Accept", "application/json");
        this.identityHeaders.write(this.identity, this.requestHeaders);
        this.signer = new IdentityAssertionSigner(
                new IdentityProperties.Assertion("dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24)),
                Clock.systemUTC());
        this.signingSigner = new IdentityAssertionSigner(
                new IdentityProperties.Assertion("dualcore-gateway", Duration.ofSeconds(60), Duration.ofHours(24)),
                Clock.systemUTC(),
                chosen.provider());
        this.auditFormatter = AuditLinesForBench.ecsFormatter();
        this.auditEvent = TestAuditEvents.allowed()
                .route("microservice-core")
                .request("GET", "/api/bench")
                .sourceIp("10.0.0.7")
                .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
                .caller(
                        this.identity.mode().name(),
                        this.identity.issuer(),
                        this.identity.realm(),
                        this.identity.subject())
                .clientId(this.identity.clientId())
                .deviceId(this.identity.deviceId())
                .keyId(this.identity.keyId())
                .build();
        this.now = Instant.now();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        this.chain.keysA.close();
        this.chain.keysB.close();
        this.chain.keysEc.close();
        this.uncachedChain.keysA.close();
        this.uncachedChain.keysB.close();
        this.uncachedChain.keysEc.close();
    }

    @Benchmark
    public GatewayIdentity authenticateCacheHit() {
        return this.chain.authenticator.authenticate(this.token).block();
    }

    @Benchmark
    public GatewayIdentity cacheLookupHit() {
        return this.chain.cache.lookup(this.token);
    }

    @Benchmark
    public byte[] cacheKeySha256() {
        return this.sha256.digest(this.token.getBytes(StandardCharsets.US_ASCII));
    }

    @Benchmark
    public HttpHeaders identityHeaders() {
        this.identityHeaders.write(this.identity, this.requestHeaders);
        return this.requestHeaders;
    }

    @Benchmark
    public String assertion() {
        return this.signer.assertionFor(this.identity, "microservice-core");
    }

    /**
     * A first assertion for (identity, route), i.e. a signature (ES256): what a subject's first request on a route
     * costs once per assertion lifetime; {@code signatureProvider} chooses who signs.
     */
    @Benchmark
    public String newAssertion() {
        this.route = (this.route + 1) % 1_000_000;
        return this.signingSigner.assertionFor(this.identity, "route-" + this.route);
    }

    @Benchmark
    public String auditLine() {
        return this.auditFormatter.apply(this.auditEvent, this.now);
    }

    @Benchmark
    public GatewayIdentity newIdentityRs256() {
        return this.uncached.authenticate(this.token).block();
    }

    /** Arguments as JMH's own: {@code [regex] [-prof gc] [-wi 3 -i 5]}; no regex: every step of this class. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(HotPathStepsBenchmark.class.getSimpleName() + "\\.");
        }
        new Runner(options.build()).run();
    }
}
