package io.dualcore.gateway.testsupport;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * A small HTTP proxy to put between the gateway and the shared Keycloak: it forwards requests (keeping Keycloak's
 * own Host, so issuer URLs stay the same), counts JWKS requests, and can be cut (connections refused) or slowed.
 * Outage and fetch-count tests need no second Keycloak this way.
 */
public final class ControllableProxy implements AutoCloseable {

    private final URI target;

    private final HttpClient client;

    private final LoopResources loops;

    private final AtomicInteger jwksRequests = new AtomicInteger();

    private final AtomicInteger requests = new AtomicInteger();

    private final AtomicReference<Duration> delay = new AtomicReference<>(Duration.ZERO);

    /** Open client connections: a cut closes them too, or keep-alive would carry traffic through the outage. */
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    private volatile int port;

    private volatile boolean refusing;

    private volatile DisposableServer server;

    private ControllableProxy(URI target) {
        this.target = target;
        // own loops and pool: gateways started and stopped in the same JVM dispose Reactor Netty's global ones
        this.loops = LoopResources.create("proxy", 1, true);
        this.client =
                TestClients.httpClient(ConnectionProvider.create("proxy", 16)).runOn(this.loops);
    }

    /** Starts a proxy on a free loopback port in front of {@code target} (scheme://host:port). */
    public static ControllableProxy start(String target) {
        ControllableProxy proxy = new ControllableProxy(URI.create(target));
        proxy.bind(0);
        return proxy;
    }

    /** Starts the proxy's port number reserved but closed: the upstream looks down until {@link #restore()}. */
    public static ControllableProxy startCut(String target) {
        ControllableProxy proxy = start(target);
        proxy.cut();
        return proxy;
    }

    private void bind(int requestedPort) {
        this.server = HttpServer.create()
                .runOn(this.loops)
                .doOnConnection(connection -> {
                    this.connections.add(connection);
                    connection.onDispose(() -> this.connections.remove(connection));
                })
                .host("127.0.0.1")
                .port(requestedPort)
                .handle((request, response) -> {
                    if (this.refusing) {
                        // as an IdP that went away: the connection drops without an answer
                        return response.withConnection(Connection::dispose).then();
                    }
                    this.requests.incrementAndGet();
                    if (request.uri().contains("/protocol/openid-connect/certs")) {
                        this.jwksRequests.incrementAndGet();
                    }
                    String host = this.target.getHost() + ":" + this.target.getPort();
                    Mono<Void> forward = this.client
                            .headers(headers -> {
                                headers.set(request.requestHeaders());
                                headers.set(HttpHeaderNames.HOST, host);
                            })
                            .request(request.method())
                            .uri(this.target.resolve(request.uri()).toString())
                            .send(request.receive().retain())
                            .response((upstream, body) -> {
                                response.status(upstream.status());
                                response.headers(upstream.responseHeaders());
                                return response.send(body.retain());
                            })
                            .then();
                    Duration wait = this.delay.get();
                    return wait.isZero() ? forward : Mono.delay(wait).then(forward);
                })
                .bindNow(Duration.ofSeconds(10));
        this.port = this.server.port();
    }

    /** The proxy's base URL, to configure in place of Keycloak's. */
    public String url() {
        return "http://127.0.0.1:" + this.port;
    }

    /** Closes the listening socket: connections are refused, as when the IdP is down. */
    public synchronized void cut() {
        this.refusing = true;
        if (this.server != null) {
            this.server.disposeNow(Duration.ofSeconds(5));
            this.server = null;
        }
        this.connections.forEach(Connection::dispose);
        this.connections.clear();
    }

    /** Listens again on the same port. */
    public synchronized void restore() {
        this.refusing = false;
        if (this.server == null) {
            bind(this.port);
        }
    }

    /** Delays every forwarded request. */
    public void slow(Duration wait) {
        this.delay.set(wait);
    }

    public int jwksRequests() {
        return this.jwksRequests.get();
    }

    public int requests() {
        return this.requests.get();
    }

    public void resetCounts() {
        this.jwksRequests.set(0);
        this.requests.set(0);
    }

    @Override
    public void close() {
        cut();
        this.loops.disposeLater().block(Duration.ofSeconds(5));
    }
}
