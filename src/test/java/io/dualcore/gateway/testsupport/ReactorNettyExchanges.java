package io.dualcore.gateway.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Exchanges of real Reactor Netty requests, for code that reads the headers as Reactor Netty decoded them: the
 * given header lines are sent byte for byte over a socket to a server on a random port, through the given web
 * filters, and a function of the exchange is computed while the request is handled.
 */
public final class ReactorNettyExchanges {

    private ReactorNettyExchanges() {}

    /** {@code inside} applied to the exchange of {@code GET /api/x} with these header lines (and a {@code Host}). */
    public static <T> T apply(List<WebFilter> filters, Function<ServerWebExchange, T> inside, String... headerLines) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        HttpHandler handler = WebHttpHandlerBuilder.webHandler(exchange -> {
                    try {
                        result.set(inside.apply(exchange));
                    } catch (RuntimeException | AssertionError ex) {
                        failure.set(new IllegalStateException(ex));
                    }
                    return exchange.getResponse().setComplete();
                })
                .filters(chain -> chain.addAll(filters))
                .build();
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(new ReactorHttpHandlerAdapter(handler))
                .bindNow();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            StringBuilder request = new StringBuilder("GET /api/x HTTP/1.1\r\nHost: gateway.test\r\n");
            for (String line : headerLines) {
                request.append(line).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // the status line: the handler has run once the answer starts
            InputStream in = socket.getInputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                // skip
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            server.disposeNow();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }
}
