package io.dualcore.gateway.bench;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import io.dualcore.gateway.identity.IdentityHeaders;
import io.dualcore.gateway.pipeline.IdentityHandOver;
import io.dualcore.gateway.testsupport.ReactorNettyExchanges;
import io.dualcore.gateway.web.ForwardedHeadersRemovalFilter;
import io.dualcore.gateway.web.HopByHopHeadersFilter;
import io.dualcore.gateway.web.ReceivedHeaders;
import io.dualcore.gateway.web.XForwardedHeadersRemovalFilter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.time.Instant;
import java.util.Iterator;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The upstream request's header work on a request as Reactor Netty received it (issue 28): a real
 * {@code ReactorServerHttpRequest}, captured once from a request sent to a Reactor Netty server, its headers read
 * again per operation.
 *
 * <ul>
 *   <li>{@code hopByHopStock} / {@code hopByHop}: Spring Cloud Gateway's {@code RemoveHopByHopHeadersFilter} and the
 *       gateway's {@link HopByHopHeadersFilter} that replaces it, on the request's headers;
 *   <li>{@code requestFiltersStock} / {@code requestFilters}: the request header filters of the shipped gateway in
 *       their order (Forwarded and X-Forwarded removal, transfer-encoding normalization, hop-by-hop): Spring Cloud
 *       Gateway's, and the gateway's replacements ({@code config.UpstreamHeadersConfiguration});
 *   <li>{@code reservedCheckHeaderNames} / {@code reservedCheckNettyLines}: whether any header is in the reserved
 *       identity namespace or is {@code Connection}, over {@code HttpHeaders.headerNames()} (before) and over Netty's
 *       header lines (the authentication step's check now);
 *   <li>{@code handOver}: the hop-by-hop filter, then {@link IdentityHandOver} writing a cached identity's headers
 *       and a ~720-character assertion (the client's {@code Authorization} removed), then what Spring Cloud
 *       Gateway's {@code NettyRoutingFilter} does with the result ({@code forEach} into Netty's headers).
 * </ul>
 *
 * <p>{@code headers}: {@code wrk} sends {@code Host} and a ~1 KB {@code Authorization} ({@code bench/compare.sh}'s
 * requests); {@code browser} adds what a browser sends over HTTP/1.1 (eight more headers, {@code Connection:
 * keep-alive} among them). Run: {@code java -cp ... io.dualcore.gateway.bench.UpstreamHeadersBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class UpstreamHeadersBenchmark {

    @Param({"wrk", "browser"})
    public String headers;

    private io.netty.handler.codec.http.HttpHeaders upstreamResponse;

    private ServerWebExchange exchange;

    private final RemoveHopByHopHeadersFilter stock = new RemoveHopByHopHeadersFilter();

    private final HopByHopHeadersFilter hopByHop = HopByHopHeadersFilter.of(this.stock);

    private List<HttpHeadersFilter> shippedStock;

    private List<HttpHeadersFilter> shipped;

    private final IdentityHeaders identityHeaders = new IdentityHeaders("X-Auth-");

    private List<HttpHeadersFilter> handOverFilters;

    /** A cached identity (the same instance every request, as the verified-token cache hands it out). */
    private final GatewayIdentity identity = new GatewayIdentity(
            OidcVerificationMode.MODE,
            "https://idp.example.com/realms/a",
            "a",
            "f3b2c1d0-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "web-app",
            Set.of("user", "orders:read"),
            Set.of("openid", "profile"),
            null,
            "kid-2026-12",
            Instant.now().plusSeconds(3600),
            Map.of("sub", "f3b2c1d0-5e6f-4a7b-8c9d-0e1f2a3b4c5d"));

    private final String assertion = "eyJraWQiOiJrIiwidHlwIjoiZHVhbGNvcmUtaWRlbnRpdHkrand0IiwiYWxnIjoiRVMyNTYifQ."
            + "e".repeat(560) + "." + "s".repeat(86);

    @Setup(Level.Trial)
    public void setUp() {
        String authorization = "Authorization: Bearer " + "e".repeat(1060);
        String[] lines = this.headers.equals("wrk")
                ? new String[] {authorization}
                : new String[] {
                    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                    "Accept: application/json, text/plain, */*",
                    "Accept-Language: en-US,en;q=0.5",
                    "Accept-Encoding: gzip, deflate, br, zstd",
                    "Referer: https://app.example.com/orders",
                    "Origin: https://app.example.com",
                    "Connection: keep-alive",
                    "Sec-Fetch-Mode: cors",
                    authorization
                };
        this.exchange = ReactorNettyExchanges.apply(List.of(), exchange -> exchange, lines);
        // the upstream has answered (NettyRoutingFilter records its response before filtering the response headers)
        this.exchange.getAttributes().put(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR, Boolean.TRUE);
        // bench/compare.sh's backend (nginx, 1 KiB JSON)
        this.upstreamResponse = new DefaultHttpHeaders()
                .add("Server", "nginx/1.22.1")
                .add("Date", "Mon, 07 Dec 2026 23:20:00 GMT")
                .add("Content-Type", "application/json")
                .add("Content-Length", "1024")
                .add("Connection", "keep-alive");
        if (ReceivedHeaders.of(this.exchange.getRequest()) == null) {
            throw new IllegalStateException("not a request as Reactor Netty received it");
        }
        this.shippedStock = List.of(
                new RemoveForwardedHeadersFilter(),
                new RemoveXForwardedHeadersFilter(),
                new TransferEncodingNormalizationHeadersFilter(),
                this.stock);
        this.shipped = List.of(
                new ForwardedHeadersRemovalFilter(),
                new XForwardedHeadersRemovalFilter(),
                new TransferEncodingNormalizationHeadersFilter(),
                this.hopByHop);
        this.handOverFilters = List.of(this.hopByHop, new IdentityHandOver(this.identityHeaders, 0));
    }

    @Benchmark
    public HttpHeaders hopByHopStock() {
        return this.stock.filter(this.exchange.getRequest().getHeaders(), this.exchange);
    }

    @Benchmark
    public HttpHeaders hopByHop() {
        return this.hopByHop.filter(this.exchange.getRequest().getHeaders(), this.exchange);
    }

    @Benchmark
    public HttpHeaders requestFiltersStock() {
        return HttpHeadersFilter.filterRequest(this.shippedStock, this.exchange);
    }

    @Benchmark
    public HttpHeaders requestFilters() {
        return HttpHeadersFilter.filterRequest(this.shipped, this.exchange);
    }

    /**
     * The upstream's answer headers as Spring Cloud Gateway's routing filter hands them to the response header
     * filters: copied from Netty's into a new {@code HttpHeaders}, then filtered (the stock hop-by-hop filter copies
     * them again; the gateway's removes the hop-by-hop ones in place).
     */
    @Benchmark
    public HttpHeaders responseFiltersStock() {
        return HttpHeadersFilter.filter(
                this.shippedStock, responseHeaders(), this.exchange, HttpHeadersFilter.Type.RESPONSE);
    }

    @Benchmark
    public HttpHeaders responseFilters() {
        return HttpHeadersFilter.filter(
                this.shipped, responseHeaders(), this.exchange, HttpHeadersFilter.Type.RESPONSE);
    }

    /** What NettyRoutingFilter does with the upstream's headers before filtering them. */
    private HttpHeaders responseHeaders() {
        HttpHeaders headers = new HttpHeaders();
        this.upstreamResponse.forEach(entry -> headers.add(entry.getKey(), entry.getValue()));
        return headers;
    }

    @Benchmark
    public boolean reservedCheckHeaderNames() {
        for (String name : this.exchange.getRequest().getHeaders().headerNames()) {
            if (this.identityHeaders.isReserved(name) || HttpHeaders.CONNECTION.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    @Benchmark
    public boolean reservedCheckNettyLines() {
        Iterator<Map.Entry<CharSequence, CharSequence>> lines =
                ReceivedHeaders.of(this.exchange.getRequest()).iteratorCharSequence();
        while (lines.hasNext()) {
            String name = lines.next().getKey().toString();
            if (this.identityHeaders.isReserved(name) || HttpHeaders.CONNECTION.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    @Benchmark
    public DefaultHttpHeaders handOver() {
        IdentityHandOver.decide(this.exchange, this.identity, this.assertion, false);
        HttpHeaders filtered = HttpHeadersFilter.filterRequest(this.handOverFilters, this.exchange);
        DefaultHttpHeaders netty = new DefaultHttpHeaders();
        filtered.forEach(netty::set);
        return netty;
    }

    /** Arguments as JMH's own: {@code [regex] [-prof gc]}; no regex: every case of this class. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(command);
        if (command.getIncludes().isEmpty()) {
            options.include(UpstreamHeadersBenchmark.class.getSimpleName() + "\\.");
        }
        new Runner(options.build()).run();
    }
}
