package io.dualcore.gateway.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;

import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.web.ConnectionLimits;
import io.dualcore.gateway.web.ConnectionLimits.CloseReason;
import io.dualcore.gateway.web.ConnectionLimitsCustomizer;
import io.dualcore.gateway.web.ConnectionProperties;
import io.dualcore.gateway.web.ProblemResponses;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decision listener has the gateway port's connection limits and timeouts: a client cannot hold it open without
 * sending a request, nor open more connections than allowed.
 */
class ForwardAuthServerTests {

    private final ConnectionLimits limits = new ConnectionLimits("decision-api", 1);

    private ForwardAuthServer server;

    /** A decision listener whose connections must send their request head within {@code headerReadTimeout}. */
    private ForwardAuthServer start(Duration headerReadTimeout) {
        this.server = new ForwardAuthServer(
                new ForwardAuthHandler(
                        mock(DecisionEngine.class),
                        new ProblemResponses("dualcore", 5),
                        new DecisionApiProperties(true, "127.0.0.1", 0, List.of(), "/envoy", 16384)),
                new DecisionApiProperties(true, "127.0.0.1", 0, List.of(), "/envoy", 16384),
                new ConnectionLimitsCustomizer(
                        new ConnectionProperties(
                                headerReadTimeout,
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(75),
                                1,
                                100,
                                100,
                                200,
                                Duration.ofSeconds(30)),
                        this.limits,
                        new ProblemResponses("dualcore", 5)));
        this.server.start();
        return this.server;
    }

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.stop();
        }
    }

    @Test
    void startWhenClientSendsNothingThenClosedAfterTheHeaderReadTimeout() throws Exception {
        start(Duration.ofMillis(300));
        try (Socket idle = connect()) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> this.limits.closedCount(CloseReason.HEADER_TIMEOUT) == 1);
            assertThat(readToEnd(idle.getInputStream()))
                    .as("closed by the listener")
                    .isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void startWhenMoreConnectionsThanTheMaximumThenTheNextIsClosedAtOnce() throws Exception {
        // a header read timeout far beyond the test: the first connection stays open while the second is refused
        start(Duration.ofMinutes(5));
        try (Socket first = connect()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> this.limits.open() == 1);
            try (Socket second = connect()) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> this.limits.closedCount(CloseReason.MAX_CONNECTIONS) == 1);
                assertThat(readToEnd(second.getInputStream())).isZero();
            }
        }
    }

    private Socket connect() throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", this.server.port()), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Bytes read until the listener closes the connection (a read timeout fails the test). */
    private static int readToEnd(InputStream in) throws Exception {
        return in.readAllBytes().length;
    }
}
