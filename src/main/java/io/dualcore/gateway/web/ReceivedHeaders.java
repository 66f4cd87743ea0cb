package io.dualcore.gateway.web;

import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.ClassUtils;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A request's headers as Reactor Netty decoded them, for a pass over every header line without copying: Spring
 * Framework 7's {@code HttpHeaders} has no such pass ({@code headerNames()}, {@code headerSet()} and
 * {@code forEach} each build a case-insensitive map of every name first), Netty's headers iterate their entries in
 * place ({@code iteratorCharSequence()}).
 *
 * <p>Only where the request's {@code getHeaders()} is a view of exactly those headers: Spring's own Reactor Netty
 * request, neither mutated (a mutated request carries a copy, which a filter may have changed) nor decorated (a
 * decorator may answer other headers). Every other request (mutated, decorated, another server, a mock) gets
 * {@code null}, and its caller reads {@code getHeaders()}.
 */
public final class ReceivedHeaders {

    /** Spring's adapter of a Reactor Netty request (package-private in Spring Framework, so found by name). */
    private static final Class<?> REACTOR_REQUEST = reactorRequestClass();

    private ReceivedHeaders() {}

    /**
     * @return the Netty headers the request's {@code getHeaders()} is a view of, or {@code null} when the request's
     *     headers may differ from them
     */
    public static io.netty.handler.codec.http.HttpHeaders of(ServerHttpRequest request) {
        if (REACTOR_REQUEST == null || request.getClass() != REACTOR_REQUEST) {
            return null;
        }
        return (((AbstractServerHttpRequest) request).getNativeRequest() instanceof HttpServerRequest reactor)
                ? reactor.requestHeaders()
                : null;
    }

    private static Class<?> reactorRequestClass() {
        String name = "org.springframework.http.server.reactive.ReactorServerHttpRequest";
        ClassLoader loader = ServerHttpRequest.class.getClassLoader();
        return ClassUtils.isPresent(name, loader) ? ClassUtils.resolveClassName(name, loader) : null;
    }
}
