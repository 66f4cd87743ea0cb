package io.dualcore.gateway.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tiny upstream that answers every request with a JSON echo of what it received: core name, method, path,
 * query and headers. It stands in for the microservice core and the edge core in the demo and in tests.
 */
public final class EchoCore implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String name;

    private final DisposableServer server;

    private final LoopResources loops;

    private EchoCore(String name, DisposableServer server, LoopResources loops) {
        this.name = name;
        this.server = server;
        this.loops = loops;
    }

    /** Starts an echo core on the given host and port (port 0 picks a free one). */
    public static EchoCore start(String name, String host, int port) {
        Assert.hasText(name, "name cannot be empty");
        // its own event loop: a Spring context shutting down disposes Reactor Netty's global loops, and must not
        // take an upstream it does not own with it
        LoopResources loops = LoopResources.create("echo-" + name, 1, true);
        DisposableServer server = HttpServer.create()
                .runOn(loops)
                .host(host)
                .port(port)
                .handle((request, response) -> echo(name, request, response))
                .bindNow(Duration.ofSeconds(10));
        return new EchoCore(name, server, loops);
    }

    private static Mono<Void> echo(String name, HttpServerRequest request, HttpServerResponse response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.requestHeaders()
                .forEach(header -> headers.computeIfAbsent(header.getKey(), key -> new ArrayList<>())
                        .add(header.getValue()));
        String uri = request.uri();
        int queryStart = uri.indexOf('?');
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("core", name);
        body.put("method", request.method().name());
        body.put("path", request.fullPath());
        body.put("query", queryStart < 0 ? null : uri.substring(queryStart + 1));
        body.put("headers", headers);
        byte[] json = JSON.writeValueAsBytes(body);
        return request.receive()
                .then(response.header("Content-Type", "application/json")
                        .sendByteArray(Mono.just(json))
                        .then());
    }

    public String name() {
        return this.name;
    }

    public int port() {
        return this.server.port();
    }

    public String uri() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        this.server.disposeNow(Duration.ofSeconds(5));
        this.loops.disposeLater().block(Duration.ofSeconds(5));
    }

    @Override
    public String toString() {
        return this.name + "@" + uri();
    }
}
