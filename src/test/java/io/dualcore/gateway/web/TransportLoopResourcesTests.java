package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualcore.gateway.testsupport.TestClients;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

class TransportLoopResourcesTests {

    /** The point of the class: epoll where Reactor Netty by itself would take io_uring (the bench's gw_epoll). */
    @Test
    void serverWhenEpollLoopsThenServerAndClientConnectionsRunOnEpoll() {
        assumeTrue(Epoll.isAvailable(), "epoll needs Linux");

        Served served = serve(TransportLoopResources.of(NetworkTransport.EPOLL, 1));

        assertThat(served.body()).isEqualTo("ok");
        assertThat(served.serverThread()).startsWith("reactor-http-epoll-");
        assertThat(served.serverChannel()).isEqualTo(EpollSocketChannel.class.getName());
        assertThat(served.clientChannel()).isEqualTo(EpollSocketChannel.class.getName());
    }

    @Test
    void serverWhenNioLoopsThenConnectionsRunOnNio() {
        Served served = serve(TransportLoopResources.of(NetworkTransport.NIO, 1));

        assertThat(served.serverThread()).startsWith("reactor-http-nio-");
        assertThat(served.serverChannel()).isEqualTo(NioSocketChannel.class.getName());
        assertThat(served.clientChannel()).isEqualTo(NioSocketChannel.class.getName());
    }

    @Test
    void disposeLaterWhenSubscribedThenLoopsStop() {
        TransportLoopResources loops = TransportLoopResources.of(NetworkTransport.NIO, 1);

        loops.disposeLater().block(TestClients.TIMEOUT);

        assertThat(loops.isDisposed()).isTrue();
    }

    private static Served serve(TransportLoopResources loops) {
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<String> serverChannel = new AtomicReference<>();
        AtomicReference<String> clientChannel = new AtomicReference<>();
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .runOn(loops)
                .doOnConnection(connection ->
                        serverChannel.set(connection.channel().getClass().getName()))
                .handle((request, response) -> {
                    thread.set(Thread.currentThread().getName());
                    return response.sendString(Mono.just("ok"));
                })
                .bindNow(TestClients.TIMEOUT);
        try {
            String body = TestClients.await(HttpClient.create()
                    .runOn(loops)
                    .doOnConnected(connection ->
                            clientChannel.set(connection.channel().getClass().getName()))
                    .get()
                    .uri("http://127.0.0.1:" + server.port() + "/")
                    .responseContent()
                    .aggregate()
                    .asString());
            return new Served(body, thread.get(), serverChannel.get(), clientChannel.get());
        } finally {
            server.disposeNow(TestClients.TIMEOUT);
            loops.disposeLater().block(TestClients.TIMEOUT);
        }
    }

    private record Served(String body, String serverThread, String serverChannel, String clientChannel) {}
}
