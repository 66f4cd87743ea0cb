package io.dualcore.gateway.testsupport;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * An upstream that records every request exactly as it arrived (header lines in order with their values as sent,
 * the body's bytes) and answers 200; a WebSocket upgrade on {@code /ws/**} is recorded likewise, accepted, and
 * closed (recorded with the uri {@code websocket}). For tests of what the gateway hands an upstream, and what it must never hand one.
 */
public final class RecordingUpstream implements AutoCloseable {

    private final DisposableServer server;

    private final LoopResources loops;

    private final List<Received> received = new CopyOnWriteArrayList<>();

    private RecordingUpstream() {
        // its own event loop, as EchoCore: a gateway context shutting down must not take it along
        this.loops = LoopResources.create("recording-upstream", 1, true);
        this.server = HttpServer.create()
                .runOn(this.loops)
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.ws("/ws/**", (in, out) -> {
                            record("GET", "websocket", in.headers(), new byte[0]);
                            return out.sendClose();
                        })
                        .route(
                                request -> true,
                                (request, response) -> request.receive()
                                        .aggregate()
                                        .asByteArray()
                                        .defaultIfEmpty(new byte[0])
                                        .flatMap(body -> {
                                            record(
                                                    request.method().name(),
                                                    request.uri(),
                                                    request.requestHeaders(),
                                                    body);
                                            return response.sendString(Mono.just("ok"))
                                                    .then();
                                        })))
                .bindNow(Duration.ofSeconds(10));
    }

    public static RecordingUpstream start() {
        return new RecordingUpstream();
    }

    private void record(String method, String uri, HttpHeaders sent, byte[] body) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        sent.forEach(header -> headers.add(Map.entry(header.getKey(), header.getValue())));
        this.received.add(new Received(method, uri, List.copyOf(headers), body));
    }

    public String uri() {
        return "http://127.0.0.1:" + this.server.port();
    }

    /** Every request served so far, in order. */
    public List<Received> received() {
        return List.copyOf(this.received);
    }

    public void clear() {
        this.received.clear();
    }

    @Override
    public void close() {
        this.server.disposeNow(Duration.ofSeconds(10));
        this.loops.disposeLater().block(Duration.ofSeconds(10));
    }

    /**
     * One request as the upstream saw it.
     *
     * @param uri the request-target as received
     * @param headers every header line, in order, name and value as sent
     * @param body the body's bytes
     */
    public record Received(String method, String uri, List<Map.Entry<String, String>> headers, byte[] body) {

        /** Every value of a header, by case-insensitive name. */
        public List<String> values(String name) {
            return this.headers.stream()
                    .filter(header -> header.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue)
                    .toList();
        }

        /** The header names, as sent. */
        public List<String> names() {
            return this.headers.stream().map(Map.Entry::getKey).toList();
        }
    }
}
