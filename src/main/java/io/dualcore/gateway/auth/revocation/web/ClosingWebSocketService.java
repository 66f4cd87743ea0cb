package io.dualcore.gateway.auth.revocation.web;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.revocation.RevocationList;
import io.dualcore.gateway.auth.revocation.RevocationObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.util.Assert;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Closes WebSocket connections upgraded with a token once that token expires or is revoked: wraps Spring Cloud
 * Gateway's {@link WebSocketService}, so every proxied WebSocket whose upgrade carried an identity is watched, and a
 * sweep every {@code interval} closes the client's side with {@code 1008} (policy violation) and an audit line. On for
 * every route; a route opts out with the metadata {@code dualcore-websocket-close: false}. The proxy then closes the
 * upstream side too.
 */
public final class ClosingWebSocketService implements WebSocketService, AutoCloseable {

    /** The route metadata key that turns closing off for one route ({@code false}). */
    public static final String ROUTE_METADATA_KEY = "dualcore-websocket-close";

    private final WebSocketService delegate;

    private final RevocationList revocations;

    private final RevocationObserver observer;

    private final Clock clock;

    /** The watched connections: the client's session and the identity of its upgrade. */
    private final Map<WebSocketSession, GatewayIdentity> open = new ConcurrentHashMap<>();

    private final Disposable sweeper;

    public ClosingWebSocketService(
            WebSocketService delegate,
            RevocationList revocations,
            RevocationObserver observer,
            Clock clock,
            Duration interval) {
        Assert.notNull(delegate, "delegate cannot be null");
        Assert.notNull(revocations, "revocations cannot be null");
        Assert.notNull(observer, "observer cannot be null");
        this.delegate = delegate;
        this.revocations = revocations;
        this.observer = observer;
        this.clock = clock;
        this.sweeper = Flux.interval(interval, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .subscribe(tick -> sweep());
    }

    @Override
    public Mono<Void> handleRequest(
            org.springframework.web.server.ServerWebExchange exchange, WebSocketHandler handler) {
        GatewayIdentity identity = GatewayIdentity.from(exchange);
        if (identity == null || !closingOn(exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR))) {
            return this.delegate.handleRequest(exchange, handler);
        }
        return this.delegate.handleRequest(exchange, new Watched(handler, identity));
    }

    private static boolean closingOn(Route route) {
        return route == null
                || !"false".equals(String.valueOf(route.getMetadata().get(ROUTE_METADATA_KEY)));
    }

    /** One sweep: closes the connections whose token expired or was revoked. */
    void sweep() {
        long now = this.clock.millis();
        for (Map.Entry<WebSocketSession, GatewayIdentity> entry : this.open.entrySet()) {
            GatewayIdentity identity = entry.getValue();
            String reason = (now >= identity.expiresAt().toEpochMilli())
                    ? "token expired"
                    : (this.revocations.find(identity) != null) ? "token revoked" : null;
            if (reason != null && this.open.remove(entry.getKey(), identity)) {
                this.observer.connectionClosed(identity.realm(), identity.subject(), reason);
                entry.getKey()
                        .close(CloseStatus.POLICY_VIOLATION.withReason(reason))
                        .subscribe(done -> {}, error -> {});
            }
        }
    }

    /** Connections watched now. */
    public int openConnections() {
        return this.open.size();
    }

    @Override
    public void close() {
        this.sweeper.dispose();
    }

    /** The proxy's handler, with the client's session registered while it is open. */
    private final class Watched implements WebSocketHandler {

        private final WebSocketHandler handler;

        private final GatewayIdentity identity;

        Watched(WebSocketHandler handler, GatewayIdentity identity) {
            this.handler = handler;
            this.identity = identity;
        }

        @Override
        public List<String> getSubProtocols() {
            return this.handler.getSubProtocols();
        }

        @Override
        public Mono<Void> handle(WebSocketSession session) {
            ClosingWebSocketService.this.open.put(session, this.identity);
            return this.handler
                    .handle(session)
                    .doFinally(signal -> ClosingWebSocketService.this.open.remove(session, this.identity));
        }
    }
}
