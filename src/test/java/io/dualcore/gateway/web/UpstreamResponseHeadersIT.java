package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.testsupport.TestGateway;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * What an upstream answers reaches the client without its hop-by-hop headers (those of RFC 9110 §7.6.1 and those its
 * {@code Connection} header names), every other header as the upstream wrote it: the gateway removes them from
 * Spring Cloud Gateway's copy of the upstream's headers in place ({@link HopByHopHeadersFilter}).
 */
class UpstreamResponseHeadersIT {

    private static LoopResources loops;

    private static DisposableServer upstream;

    private static TestGateway gateway;

    @BeforeAll
    static void start() {
        loops = LoopResources.create("raw-upstream", 1, true);
        upstream = HttpServer.create()
                .runOn(loops)
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> request.receive()
                        .then(response.header("Content-Type", "application/json")
                                .header("Connection", "keep-alive, X-Hop-Secret")
                                .header("X-Hop-Secret", "internal")
                                .header("Keep-Alive", "timeout=5")
                                .header("Proxy-Authenticate", "Basic realm=upstream")
                                .header("X-Kept", "1")
                                .addHeader("x-kept", "2")
                                .header("Cache-Control", "no-store")
                                .sendString(Mono.just("{\"ok\":true}"))
                                .then()))
                .bindNow(Duration.ofSeconds(10));
        // the shipped public route (anonymous access) to this upstream
        gateway = TestGateway.start(Map.of("MICROSERVICE_CORE_URI", "http://127.0.0.1:" + upstream.port()));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.disposeNow(Duration.ofSeconds(5));
        }
        if (loops != null) {
            loops.disposeLater().block(Duration.ofSeconds(5));
        }
    }

    @Test
    void upstreamAnswerWhenHopByHopHeadersThenRemovedAndTheOthersKeptAsWritten() {
        ResponseEntity<String> answer = gateway.get("/api/public/health", null);

        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        assertThat(answer.getBody()).isEqualTo("{\"ok\":true}");
        assertThat(answer.getHeaders().get("X-Hop-Secret"))
                .as("named by the upstream's Connection")
                .isNull();
        assertThat(answer.getHeaders().get("Keep-Alive")).isNull();
        assertThat(answer.getHeaders().get("Proxy-Authenticate")).isNull();
        assertThat(answer.getHeaders().get("X-Kept")).containsExactly("1", "2");
        assertThat(answer.getHeaders().getFirst("Cache-Control")).isEqualTo("no-store");
        assertThat(answer.getHeaders().getFirst("Content-Type")).isEqualTo("application/json");
    }
}
