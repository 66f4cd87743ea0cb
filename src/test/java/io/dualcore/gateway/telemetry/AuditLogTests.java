package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit queue's policy when the writer cannot keep up: allowed lines go first, denials wait, drops are counted. */
class AuditLogTests {

    @Test
    void submitWhenQueueNinetyPercentFullThenAllowedDroppedAndCountedButDenialQueued() {
        AuditLog log = new AuditLog(true, 20, Duration.ofMillis(1), false);
        for (int i = 0; i < 18; i++) {
            log.submit(event(true));
        }
        assertThat(log.pending()).isEqualTo(18);
        log.submit(event(true));
        assertThat(log.droppedAllowed()).isEqualTo(1);
        assertThat(log.pending()).isEqualTo(18);
        log.submit(event(false));
        log.submit(event(false));
        assertThat(log.pending()).as("denials use the headroom").isEqualTo(20);
        assertThat(log.droppedDenied()).isZero();
        log.close();
    }

    @Test
    void submitWhenQueueFullThenDenialWaitsBoundedThenDroppedAndCounted() {
        AuditLog log = new AuditLog(true, 16, Duration.ofMillis(5), false);
        for (int i = 0; i < 16; i++) {
            log.submit(event(false));
        }
        long start = System.nanoTime();
        log.submit(event(false));
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(5).toNanos());
        assertThat(log.droppedDenied()).isEqualTo(1);
        assertThat(log.pending()).isEqualTo(16);
        log.close();
    }

    @Test
    void writerWhenStartedThenDrainsQueueAndCloseWritesTheRest() {
        AuditLog log = new AuditLog(true, 64, Duration.ofMillis(5), false);
        for (int i = 0; i < 40; i++) {
            log.submit(event(i % 2 == 0));
        }
        log.startWriter();
        log.close();
        assertThat(log.pending()).isZero();
        assertThat(log.droppedAllowed() + log.droppedDenied()).isZero();
    }

    @Test
    void closeWhenEventsArriveWhileTheWriterWaitsThenEveryEventWrittenOnceInOrder() {
        List<AuditEvent> written = Collections.synchronizedList(new ArrayList<>());
        AuditLog log = new AuditLog(true, 16_384, Duration.ofMillis(5), true, written::addAll);
        List<AuditEvent> submitted = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            AuditEvent event = ((i % 3 == 0)
                            ? TestAuditEvents.denied(403, "insufficient_role")
                            : TestAuditEvents.allowed())
                    .request("GET", "/api/orders/" + i)
                    .build();
            submitted.add(event);
            log.submit(event);
        }
        log.close();
        assertThat(log.droppedAllowed() + log.droppedDenied()).isZero();
        assertThat(written).containsExactlyElementsOf(submitted);
    }

    @Test
    void enabledWhenAllowedLinesOffThenOnlyDenials() {
        AuditLog log = new AuditLog(false, 16, Duration.ZERO, false);
        assertThat(log.enabled(true)).isFalse();
        assertThat(log.enabled(false)).isTrue();
        log.close();
    }

    private static AuditEvent event(boolean allowed) {
        TestAuditEvents event = allowed ? TestAuditEvents.allowed() : TestAuditEvents.denied(403, "insufficient_role");
        return event.route("orders")
                .request("GET", "/api/orders")
                .sourceIp("127.0.0.1")
                .caller("oidc", "https://idp.test/realms/dualcore", "dualcore", "user-1")
                .clientId("web-app")
                .keyId("rsa-1")
                .build();
    }
}
