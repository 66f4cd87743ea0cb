package io.dualcore.gateway.bench;

import com.nimbusds.jose.jwk.ECKey;
import io.dualcore.gateway.auth.crypto.CryptoProvider;
import io.dualcore.gateway.auth.crypto.SignatureProvider;
import io.dualcore.gateway.auth.dpop.DpopProof;
import io.dualcore.gateway.auth.dpop.DpopProofVerifier;
import io.dualcore.gateway.auth.dpop.DpopProofs;
import io.dualcore.gateway.auth.dpop.DpopProperties;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What one DPoP proof costs the gateway (RFC 9449, bench case {@code gw_dpop}), one thread, ns/op:
 * {@code verifyEs256}, {@code DpopProofVerifier.verify} of an ES256 proof (parse, header checks, the signature with
 * the proof's own key, {@code htm}, {@code htu}, {@code iat}, {@code ath}, the key's thumbprint). The replay check
 * (one Caffeine insert) and the binding to {@code cnf.jkt} (a string compare) are not in it. The same proof is
 * verified again and again: the verifier keeps no state, so nothing is cached between calls.
 *
 * <p>Run: {@code java -cp ... io.dualcore.gateway.bench.DpopProofBenchmark [-prof gc]} (bench/README.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class DpopProofBenchmark {

    private static final String URL = "https://api.example.com/api/orders";

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl";

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    /**
     * The JCA provider of the proof's signature check ({@code dualcore.crypto.provider}): {@code accp} (the shipped
     * choice on Linux x86_64) or {@code jdk}; {@code -p signatureProvider=jdk} runs one.
     */
    @Param({"accp", "jdk"})
    public String signatureProvider;

    private DpopProofVerifier verifier;

    private String proof;

    @Setup
    public void setUp() {
        ECKey key = DpopProofs.ecKey();
        this.verifier = new DpopProofVerifier(
                DpopProperties.defaults(),
                Clock.fixed(NOW, ZoneOffset.UTC),
                SignatureProvider.choose(CryptoProvider.valueOf(this.signatureProvider.toUpperCase(Locale.ROOT))));
        this.proof = DpopProofs.proof(key, "GET", URL, TOKEN, NOW).sign();
    }

    @Benchmark
    public DpopProof verifyEs256() {
        return this.verifier.verify(this.proof, "GET", URL, TOKEN);
    }

    /** Arguments as JMH's own: {@code [regex] [-prof gc] [-wi 3 -i 5]}. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(DpopProofBenchmark.class.getSimpleName() + "\\.");
        }
        new Runner(options.build()).run();
    }
}
