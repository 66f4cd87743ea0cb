package io.dualcore.gateway.testsupport;

import io.netty.channel.ChannelOption;
import java.time.Duration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The one place integration tests get HTTP clients from, with timeouts sized for a loaded 2-core CI machine: a
 * response that takes longer than {@link #TIMEOUT} is a hang, not slowness. Override with
 * {@code -Dtest.http.timeout=60s} on a slower machine.
 */
public final class TestClients {

    /** How long a test waits for one response (connect, headers and body). */
    public static final Duration TIMEOUT =
            Duration.parse("PT" + System.getProperty("test.http.timeout", "30s").toUpperCase(java.util.Locale.ROOT));

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private TestClients() {}

    /** A Reactor Netty client with the shared timeouts, on the given connection pool. */
    public static HttpClient httpClient(ConnectionProvider connections) {
        return HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .responseTimeout(TIMEOUT);
    }

    /** A Reactor Netty client with the shared timeouts on the shared connection pool. */
    public static HttpClient httpClient() {
        return HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .responseTimeout(TIMEOUT);
    }

    /** A {@link WebClient} for a base URL such as {@code http://127.0.0.1:8080}. */
    public static WebClient webClient(String baseUrl) {
        return WebClient.builder()
                .baseUrl(baseUrl)
                .clientConnector(new ReactorClientHttpConnector(httpClient()))
                .build();
    }

    /** A {@link WebClient} for {@code http://127.0.0.1:<port>}. */
    public static WebClient webClient(int port) {
        return webClient("http://127.0.0.1:" + port);
    }

    /** A {@link WebTestClient} bound to a running server, for {@code http://127.0.0.1:<port>}. */
    public static WebTestClient webTestClient(int port) {
        return webTestClient("http://127.0.0.1:" + port);
    }

    /** A {@link WebTestClient} bound to a running server at a base URL. */
    public static WebTestClient webTestClient(String baseUrl) {
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(httpClient()))
                .baseUrl(baseUrl)
                .responseTimeout(TIMEOUT)
                .build();
    }

    /** Blocks for a response with the shared timeout; an empty answer is a failure, never a {@code null}. */
    public static <T> T await(Mono<T> response) {
        return response.switchIfEmpty(Mono.error(new IllegalStateException("no response")))
                .block(TIMEOUT);
    }
}
