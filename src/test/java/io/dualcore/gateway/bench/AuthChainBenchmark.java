package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.AuthProperties;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.ParsedToken;
import io.dualcore.gateway.auth.TestChain;
import io.dualcore.gateway.auth.TestIssuers;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.auth.TokenAuthenticator;
import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.oidc.JwksKeySource;
import io.dualcore.gateway.auth.oidc.JwtExtensions;
import io.dualcore.gateway.auth.oidc.OidcTokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
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
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The cost of {@code TokenAuthenticator.authenticate(token).block()} on one thread, per path through the chain:
 * verified-token cache hits, full verifications (cache off), and rejections, next to the baselines a cache hit is
 * made of (SHA-256 of the token, {@code Mono.just(..).block()}) and the structural parse every miss pays.
 *
 * <p>Uses {@link TestChain}: realm A (RS256, 2048-bit key) over an in-memory JWKS and the edge key ring (HS256). The
 * OIDC verifiers run on {@link Schedulers#immediate()} so the RS256 numbers are CPU; {@code rs256UncachedElastic}
 * adds the real hop to a bounded-elastic scheduler that the gateway uses for JWKS look-ups.
 *
 * <p>Run: see {@code bench/README.md} ({@code java -cp ... io.dualcore.gateway.bench.AuthChainBenchmark [regex]}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class AuthChainBenchmark {

    private TestChain chain;

    /** The same chain without the verified-token cache: every call verifies. */
    private TokenAuthenticator uncached;

    /** Realm A only, uncached, with the gateway's real JWKS scheduler (a bounded elastic pool). */
    private TokenAuthenticator uncachedElastic;

    private Scheduler elastic;

    /** Realm A only, uncached, with one Spring Security {@code OAuth2TokenValidator} (a claim check). */
    private TokenAuthenticator uncachedWithValidator;

    /** As {@link #uncachedWithValidator}, plus an authorities converter feeding the roles. */
    private TokenAuthenticator uncachedWithValidatorAndAuthorities;

    /** Realm A only, uncached, no extensions: the exact baseline of the two above. */
    private TokenAuthenticator uncachedRealmA;

    private TestChain validatorChain;

    private TestChain authoritiesChain;

    private JwksKeySource elasticKeys;

    private String rs256;

    private String hs256;

    private String untrustedIssuer;

    private String hs256BadSignature;

    private String rs256BadSignature;

    private String malformed;

    private GatewayIdentity identity;

    /** One digest reused, as the cache does per thread. */
    private MessageDigest sha256;

    @Setup(Level.Trial)
    public void setUp() {
        this.chain = TestChain.create();
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
        this.uncached = new TokenAuthenticator(
                List.of(this.chain.realmA, this.chain.realmB, this.chain.realmEc, this.chain.edge),
                null,
                TestChain.MAX_TOKEN_LENGTH);
        this.elastic = Schedulers.newBoundedElastic(16, 10_000, "bench-jwks");
        this.elasticKeys = JwksKeySource.of(
                new TestChain.MutableJwkSetSource(TestChain.KEY_A), TestChain.DEFAULT_JWKS, Clock.systemUTC());
        AuthProperties.Issuer realmA = TestIssuers.issuer("realm-a", TestChain.ISSUER_A)
                .audiences(List.of(TestChain.AUDIENCE))
                .jwks(TestChain.DEFAULT_JWKS)
                .build();
        this.uncachedElastic = new TokenAuthenticator(
                List.of(new OidcTokenVerifier(
                        realmA, this.elasticKeys, this.elastic, Clock.systemUTC(), TestChain.CLOCK_SKEW)),
                null,
                TestChain.MAX_TOKEN_LENGTH);

        // one validator as a team would register it: a claim check through Spring's JwtClaimValidator
        this.validatorChain = TestChain.options()
                .realmAExtensions(
                        new JwtExtensions(new JwtClaimValidator<String>("iss", TestChain.ISSUER_A::equals), null))
                .build();
        this.authoritiesChain = TestChain.options()
                .realmAExtensions(new JwtExtensions(
                        new JwtClaimValidator<String>("iss", TestChain.ISSUER_A::equals),
                        new JwtGrantedAuthoritiesConverter()))
                .build();
        this.uncachedRealmA = new TokenAuthenticator(List.of(this.chain.realmA), null, TestChain.MAX_TOKEN_LENGTH);
        this.uncachedWithValidator =
                new TokenAuthenticator(List.of(this.validatorChain.realmA), null, TestChain.MAX_TOKEN_LENGTH);
        this.uncachedWithValidatorAndAuthorities =
                new TokenAuthenticator(List.of(this.authoritiesChain.realmA), null, TestChain.MAX_TOKEN_LENGTH);

        // tokens: valid for 5 min (RS256) and 1 min (HS256), far longer than one trial
        this.rs256 = TestChain.realmAToken().sign();
        this.hs256 = TestChain.edgeToken().sign();
        this.untrustedIssuer = TestTokens.oidc(TestChain.KEY_UNTRUSTED, TestChain.ISSUER_UNTRUSTED)
                .sign();
        this.hs256BadSignature = corruptSignature(TestChain.edgeToken().sign());
        this.rs256BadSignature = corruptSignature(TestChain.realmAToken().sign());
        // a compact JWS whose header is not JSON: rejected in the structural parse
        this.malformed = TestTokens.b64("{\"alg\":\"HS256\",") + "." + TestTokens.b64("{\"iss\":\"x\"}") + ".c2ln";

        // sanity: every path behaves as its name says, and the cached paths are warm
        this.identity = require(this.chain.authenticator, this.rs256);
        require(this.chain.authenticator, this.hs256);
        require(this.uncached, this.rs256);
        require(this.uncached, this.hs256);
        require(this.uncachedElastic, this.rs256);
        require(this.uncachedRealmA, this.rs256);
        require(this.uncachedWithValidator, this.rs256);
        require(this.uncachedWithValidatorAndAuthorities, this.rs256);
        requireRejected(this.untrustedIssuer);
        requireRejected(this.hs256BadSignature);
        requireRejected(this.rs256BadSignature);
        requireRejected(this.malformed);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws java.io.IOException {
        // the key sources' refresh executors are not daemon threads: stop them so the forked JVM exits at once
        this.chain.keysA.close();
        this.chain.keysB.close();
        this.chain.keysEc.close();
        this.elasticKeys.close();
        this.validatorChain.keysA.close();
        this.validatorChain.keysB.close();
        this.validatorChain.keysEc.close();
        this.authoritiesChain.keysA.close();
        this.authoritiesChain.keysB.close();
        this.authoritiesChain.keysEc.close();
        this.elastic.dispose();
    }

    /** Flips a character in the middle of the signature (the last one may only carry padding bits). */
    private static String corruptSignature(String token) {
        int at = token.lastIndexOf('.') + 10;
        char c = token.charAt(at);
        return token.substring(0, at) + (c == 'A' ? 'B' : 'A') + token.substring(at + 1);
    }

    private static GatewayIdentity require(TokenAuthenticator authenticator, String token) {
        GatewayIdentity identity = authenticator.authenticate(token).block();
        if (identity == null) {
            throw new IllegalStateException("expected an identity");
        }
        return identity;
    }

    private void requireRejected(String token) {
        try {
            this.chain.authenticator.authenticate(token).block();
        } catch (TokenRejectedException expected) {
            return;
        }
        throw new IllegalStateException("expected a rejection");
    }

    // ---- accepted, served from the verified-token cache (the token is reused)

    @Benchmark
    public GatewayIdentity rs256Cached() {
        return this.chain.authenticator.authenticate(this.rs256).block();
    }

    @Benchmark
    public GatewayIdentity hs256EdgeCached() {
        return this.chain.authenticator.authenticate(this.hs256).block();
    }

    // ---- accepted, fully verified on every call (no cache)

    @Benchmark
    public GatewayIdentity rs256Uncached() {
        return this.uncached.authenticate(this.rs256).block();
    }

    @Benchmark
    public GatewayIdentity rs256UncachedElastic() {
        return this.uncachedElastic.authenticate(this.rs256).block();
    }

    // ---- Spring Security extension points on the verification path (realm A only, no cache)

    /** The baseline of the two below: realm A alone, no validator. */
    @Benchmark
    public GatewayIdentity rs256UncachedRealmA() {
        return this.uncachedRealmA.authenticate(this.rs256).block();
    }

    /** One {@code OAuth2TokenValidator<Jwt>}: the claims converted to a Spring {@code Jwt}, then validated. */
    @Benchmark
    public GatewayIdentity rs256UncachedOneValidator() {
        return this.uncachedWithValidator.authenticate(this.rs256).block();
    }

    /** One validator and a {@code JwtGrantedAuthoritiesConverter} for the roles. */
    @Benchmark
    public GatewayIdentity rs256UncachedValidatorAndAuthorities() {
        return this.uncachedWithValidatorAndAuthorities.authenticate(this.rs256).block();
    }

    @Benchmark
    public GatewayIdentity hs256EdgeUncached() {
        return this.uncached.authenticate(this.hs256).block();
    }

    // ---- rejected (rejections are never cached)

    @Benchmark
    public Object rejectUntrustedIssuer() {
        return rejection(this.untrustedIssuer);
    }

    @Benchmark
    public Object rejectHs256BadSignature() {
        return rejection(this.hs256BadSignature);
    }

    @Benchmark
    public Object rejectRs256BadSignature() {
        return rejection(this.rs256BadSignature);
    }

    @Benchmark
    public Object rejectMalformed() {
        return rejection(this.malformed);
    }

    private Object rejection(String token) {
        try {
            return this.chain.authenticator.authenticate(token).block();
        } catch (TokenRejectedException ex) {
            return ex;
        }
    }

    // ---- baselines: what a cache hit and a miss are made of

    /** The structural parse every cache miss pays before any signature check (RS256 token, ~1 KB). */
    @Benchmark
    public ParsedToken baselineParseRs256() {
        return ParsedToken.parse(this.rs256, TestChain.MAX_TOKEN_LENGTH);
    }

    @Benchmark
    public ParsedToken baselineParseHs256() {
        return ParsedToken.parse(this.hs256, TestChain.MAX_TOKEN_LENGTH);
    }

    /** The cache key: SHA-256 over the token's bytes (as the cache computes it). */
    @Benchmark
    public byte[] baselineSha256Rs256() {
        return this.sha256.digest(this.rs256.getBytes(StandardCharsets.US_ASCII));
    }

    @Benchmark
    public byte[] baselineSha256Hs256() {
        return this.sha256.digest(this.hs256.getBytes(StandardCharsets.US_ASCII));
    }

    /** The reactive wrapper alone. */
    @Benchmark
    public GatewayIdentity baselineMonoJustBlock() {
        return Mono.just(this.identity).block();
    }

    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(AuthChainBenchmark.class.getName() + "\\." + (args.length > 0 ? args[0] : ".*"))
                .forks(1)
                // -Dbench.warmup / -Dbench.iterations: a smoke run uses 1 / 1
                .warmupIterations(Integer.getInteger("bench.warmup", 3))
                .warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .measurementIterations(Integer.getInteger("bench.iterations", 5))
                .measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .build();
        new Runner(options).run();
    }
}
