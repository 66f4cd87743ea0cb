package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

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
}
