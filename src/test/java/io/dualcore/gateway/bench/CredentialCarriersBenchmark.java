package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.credentials.ClientCredentials;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import io.netty.handler.codec.http.DefaultHttpHeaders;
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
import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;

/**
 * The per-request cost of finding the client's unverified credentials ({@link CredentialCarriers#find}) on Reactor
 * Netty's request headers (what the gateway runs) and through Spring's header adapter, with the shipped defaults: an API request (no cookie, nothing to strip: the common case),
 * a browser request (cookies, nothing to strip), and a request with a credential header and a token cookie.
 *
 * <p>Run (see {@code bench/README.md} for the classpath): {@code java -cp
 * "target/test-classes:target/classes:$(cat target/bench-cp.txt)" io.dualcore.gateway.bench.CredentialCarriersBenchmark
 * -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class CredentialCarriersBenchmark {

    private static final String JWS =
            "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJib2IiLCJpc3MiOiJ4In0.c2lnbmF0dXJl";

    @Param({"api", "browser", "credentials"})
    public String request;

    private final CredentialCarriers carriers = CredentialCarriers.of(CredentialsProperties.defaults());

    private HttpHeaders headers;

    private DefaultHttpHeaders nettyHeaders;

    @Setup
    public void setUp() {
        DefaultHttpHeaders nettyHeaders = new DefaultHttpHeaders();
        nettyHeaders.add("Host", "gateway.example:8080");
        nettyHeaders.add("User-Agent", "okhttp/4.12.0");
        nettyHeaders.add("Accept", "application/json");
        nettyHeaders.add("Accept-Encoding", "gzip");
        nettyHeaders.add("Authorization", "Bearer " + JWS);
        nettyHeaders.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        if (!this.request.equals("api")) {
            nettyHeaders.set(
                    "User-Agent",
                    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
            nettyHeaders.add("Accept-Language", "en-GB,en;q=0.9,de;q=0.8");
            nettyHeaders.add("Referer", "https://app.example/orders?page=2");
            nettyHeaders.add("Cookie", "theme=dark; lang=en-GB; _ga=GA1.1.1234567890.1700000000; cart=a%3Bb; sid=0f3c");
        }
        if (this.request.equals("credentials")) {
            nettyHeaders.add("X-Edge-Token", JWS);
            nettyHeaders.set("Cookie", "theme=dark; KEYCLOAK_IDENTITY=" + JWS + "; lang=en-GB");
        }
        this.nettyHeaders = nettyHeaders;
        this.headers = new HttpHeaders(new Netty4HeadersAdapter(nettyHeaders));
    }

    /** What the gateway runs: one pass over the headers as Reactor Netty decoded them. */
    @Benchmark
    public ClientCredentials findOnNettyHeaders() {
        return this.carriers.find(this.nettyHeaders);
    }

    /** Through Spring's adapter (a name set, an entry and a value list per header): the fallback. */
    @Benchmark
    public ClientCredentials findOnSpringHeaders() {
        return this.carriers.find(this.headers);
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        OptionsBuilder options = new OptionsBuilder();
        options.parent(new CommandLineOptions(args));
        options.include(CredentialCarriersBenchmark.class.getSimpleName());
        new Runner(options.build()).run();
    }
}
