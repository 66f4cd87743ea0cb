package io.dualcore.gateway.auth.introspection;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A tiny RFC 7662 endpoint and discovery document on a free port: answers what the test set, records what it got
 * (the Basic credentials, the posted token), and can stall to play an unresponsive issuer.
 */
public final class IntrospectionEndpointStub implements AutoCloseable {

    public final AtomicReference<String> answer = new AtomicReference<>("{\"active\":false}");

    public final AtomicInteger status = new AtomicInteger(200);

    public final AtomicReference<Duration> delay = new AtomicReference<>(Duration.ZERO);

    public final AtomicInteger calls = new AtomicInteger();

    public final List<String> authorizations = new CopyOnWriteArrayList<>();

    public final List<String> tokens = new CopyOnWriteArrayList<>();

    private final DisposableServer server;

    public IntrospectionEndpointStub() {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get(
                                "/.well-known/openid-configuration",
                                (request, response) -> response.header("Content-Type", "application/json")
                                        .sendString(Mono.just("{\"issuer\":\"" + issuer()
                                                + "\",\"introspection_endpoint\":\"" + uri() + "\"}")))
                        .post(
                                "/introspect",
                                (request, response) -> request.receive()
                                        .aggregate()
                                        .asString()
                                        .defaultIfEmpty("")
                                        .flatMap(body -> {
                                            this.calls.incrementAndGet();
                                            this.authorizations.add(String.valueOf(
                                                    request.requestHeaders().get("Authorization")));
                                            for (String pair : body.split("&")) {
                                                if (pair.startsWith("token=")) {
                                                    this.tokens.add(URLDecoder.decode(
                                                            pair.substring("token=".length()), StandardCharsets.UTF_8));
                                                }
                                            }
                                            return Mono.delay(this.delay.get()).thenReturn(body);
                                        })
                                        .flatMap(body -> response.status(this.status.get())
                                                .header("Content-Type", "application/json")
                                                .sendString(Mono.just(this.answer.get()))
                                                .then())))
                .bindNow();
    }

    public String issuer() {
        return "http://127.0.0.1:" + this.server.port() + "/realms/test";
    }

    public String uri() {
        return "http://127.0.0.1:" + this.server.port() + "/introspect";
    }

    public String metadataUri() {
        return "http://127.0.0.1:" + this.server.port() + "/.well-known/openid-configuration";
    }

    @Override
    public void close() {
        this.server.disposeNow();
    }
}
