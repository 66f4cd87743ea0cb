package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.TestModes;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.policy.AccessPolicy;
import io.dualcore.gateway.route.RouteProperties;
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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

/**
 * Cost of a route's access check per request: the list checks alone (the baseline), and the list checks plus one
 * CEL access expression over identity, claims, method, path and a selected header (the identity's CEL values are
 * memoized on the identity instance, as for a cached token).
 *
 * <p>Run (from the project directory):
 *
 * <pre>
 * ./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -cp "$(cat cp.txt):target/test-classes:target/classes" io.dualcore.gateway.bench.PolicyExpressionBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PolicyExpressionBenchmark {

    private static final String EXPRESSION = "'user' in roles && claims.tenant_id == 'acme'"
            + " && (method == 'GET' || 'orders.write' in scopes) && path.startsWith('/api/orders/')"
            + " && headers['x-request-kind'] != 'bulk'";

    private final GatewayIdentity identity = new GatewayIdentity(
            OidcVerificationMode.MODE,
            "https://idp/realms/dualcore",
            "dualcore",
            "alice",
            "dualcore-service",
            Set.of("user", "dualcore-gateway:orders.read"),
            Set.of("openid", "orders"),
            null,
            "kid-1",
            Instant.now().plusSeconds(3600),
            Map.of("tenant_id", "acme", "email", "alice@example.com", "groups", List.of("ops", "dev")));

    private final ServerHttpRequest request = MockServerHttpRequest.get("/api/orders/42")
            .header("X-Request-Kind", "single")
            .build();

    private final AccessPolicy lists = AccessPolicy.of("orders", access(null, List.of()), TestModes.REGISTRY);

    private final AccessPolicy expression =
            AccessPolicy.of("orders", access(EXPRESSION, List.of("x-request-kind")), TestModes.REGISTRY);

    private static RouteProperties.Access access(String expression, List<String> headers) {
        return new RouteProperties.Access(
                List.of("oidc"),
                List.of("user"),
                List.of(),
                List.of("orders"),
                List.of("dualcore"),
                List.of(),
                List.of(),
                expression,
                null,
                headers);
    }

    @Benchmark
    public Object listChecks() {
        return this.lists.check(this.identity, this.request);
    }

    @Benchmark
    public Object listChecksAndExpression() {
        return this.expression.check(this.identity, this.request);
    }

    /**
     * Runs every benchmark of this class: 1 fork, 5 warmup iterations of 2 s (CEL's evaluator needs several seconds
     * of JIT warm-up: 1 s warm-ups report ten times the steady cost) and 3 measurement iterations of 1 s, unless the
     * arguments (JMH command-line options, e.g. {@code -f 2 -wi 5 -i 5 -prof gc}) say otherwise.
     */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(PolicyExpressionBenchmark.class.getSimpleName());
        }
        if (!command.getForkCount().hasValue()) {
            options.forks(1);
        }
        if (!command.getWarmupIterations().hasValue()) {
            options.warmupIterations(5);
        }
        if (!command.getWarmupTime().hasValue()) {
            options.warmupTime(TimeValue.seconds(2));
        }
        if (!command.getMeasurementIterations().hasValue()) {
            options.measurementIterations(3);
        }
        if (!command.getMeasurementTime().hasValue()) {
            options.measurementTime(TimeValue.seconds(1));
        }
        new Runner(options.build()).run();
    }
}
