package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.dualcore.gateway.testsupport.TestClients;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.ReactorNetty;
import reactor.netty.http.server.HttpServer;

class EventLoopsTests {

    @Test
    void defaultToOnePerProcessorWhenUnsetThenOneLoopPerProcessor() {
        Properties properties = new Properties();

        EventLoops.defaultToOnePerProcessor(properties, 2);

        assertThat(properties.getProperty(ReactorNetty.IO_WORKER_COUNT)).isEqualTo("2");
    }

    @Test
    void defaultToOnePerProcessorWhenSetExplicitlyThenKept() {
        Properties properties = new Properties();
        properties.setProperty(ReactorNetty.IO_WORKER_COUNT, "8");

        EventLoops.defaultToOnePerProcessor(properties, 1);

        assertThat(properties.getProperty(ReactorNetty.IO_WORKER_COUNT)).isEqualTo("8");
    }

    @Test
    void defaultToOnePerProcessorWhenNoProcessorReportedThenOneLoop() {
        Properties properties = new Properties();

        EventLoops.defaultToOnePerProcessor(properties, 0);

        assertThat(properties.getProperty(ReactorNetty.IO_WORKER_COUNT)).isEqualTo("1");
    }

    /** The transport the gateway reports is the one Reactor Netty's server really runs its connections on. */
    @Test
    void transportWhenServerAnswersThenItsEventLoopIsOfTheReportedTransport() {
        AtomicReference<String> thread = new AtomicReference<>();
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> {
                    thread.set(Thread.currentThread().getName());
                    return response.sendString(Mono.just("ok"));
                })
                .bindNow(TestClients.TIMEOUT);
        try {
            String body = TestClients.await(TestClients.httpClient()
                    .get()
                    .uri("http://127.0.0.1:" + server.port() + "/")
                    .responseContent()
                    .aggregate()
                    .asString());

            assertThat(body).isEqualTo("ok");
            assertThat(thread.get()).contains("-" + EventLoops.transport() + "-");
        } finally {
            server.disposeNow(TestClients.TIMEOUT);
        }
    }

    @Test
    void chooseWhenAutoAndIoUringAvailableThenIoUring() {
        TransportChoice choice = EventLoops.choose(NetworkTransport.AUTO, true, null, null, 2);

        assertThat(choice).isEqualTo(new TransportChoice(NetworkTransport.IO_URING, "auto: io_uring available", 2));
    }

    @Test
    void chooseWhenAutoAndIoUringRefusedThenEpollAndWhy() {
        TransportChoice choice = EventLoops.choose(NetworkTransport.AUTO, true, "Operation not permitted", null, 1);

        assertThat(choice.transport()).isEqualTo(NetworkTransport.EPOLL);
        assertThat(choice.reason()).isEqualTo("auto: io_uring not available (Operation not permitted)");
    }

    @Test
    void chooseWhenAutoAndNoNativeTransportThenNioAndWhy() {
        TransportChoice choice = EventLoops.choose(NetworkTransport.AUTO, true, "no io_uring", "no epoll", 1);

        assertThat(choice.transport()).isEqualTo(NetworkTransport.NIO);
        assertThat(choice.reason()).contains("no io_uring", "no epoll");
    }

    @Test
    void chooseWhenNativeDisabledThenNio() {
        TransportChoice choice = EventLoops.choose(NetworkTransport.AUTO, false, null, null, 1);

        assertThat(choice).isEqualTo(new TransportChoice(NetworkTransport.NIO, "reactor.netty.native=false", 1));
    }

    @Test
    void chooseWhenEpollRequestedAndIoUringAvailableThenEpoll() {
        TransportChoice choice = EventLoops.choose(NetworkTransport.EPOLL, true, null, null, 2);

        assertThat(choice).isEqualTo(new TransportChoice(NetworkTransport.EPOLL, "dualcore.transport=epoll", 2));
    }

    @Test
    void chooseWhenNioRequestedThenNio() {
        TransportChoice choice = EventLoops.choose(NetworkTransport.NIO, true, null, null, 2);

        assertThat(choice.transport()).isEqualTo(NetworkTransport.NIO);
    }

    @Test
    void chooseWhenIoUringRequestedButRefusedThenStartupErrorNamingTheSetting() {
        assertThatIllegalStateException()
                .isThrownBy(
                        () -> EventLoops.choose(NetworkTransport.IO_URING, true, "Operation not permitted", null, 1))
                .withMessageContaining("dualcore.transport=io_uring")
                .withMessageContaining("Operation not permitted")
                .withMessageContaining("dualcore.transport=auto");
    }

    @Test
    void chooseWhenEpollRequestedButUnavailableThenStartupError() {
        assertThatIllegalStateException()
                .isThrownBy(() -> EventLoops.choose(NetworkTransport.EPOLL, true, null, "not Linux", 1))
                .withMessageContaining("dualcore.transport=epoll")
                .withMessageContaining("not Linux");
    }

    @Test
    void chooseWhenNativeRequestedButNativeDisabledThenStartupError() {
        assertThatIllegalStateException()
                .isThrownBy(() -> EventLoops.choose(NetworkTransport.EPOLL, false, null, null, 1))
                .withMessageContaining("reactor.netty.native=false");
    }
}
