package io.dualcore.gateway.telemetry;

import java.time.Instant;
import java.util.function.BiFunction;

/** The audit writer's line formatting, for {@code bench.HotPathStepsBenchmark} (EcsAuditLines is package-private). */
public final class AuditLinesForBench {

    /** A line of Spring Boot's ECS console format for the {@code dualcore.audit} logger, as the gateway ships it. */
    private static final String ECS_TEMPLATE = "{\"@timestamp\":\"2000-01-02T03:04:05.123456789Z\",\"log\":{\"level\":"
            + "\"INFO\",\"logger\":\"dualcore.audit\"},\"process\":{\"pid\":4242,\"thread\":{\"name\":"
            + "\"dualcore-audit\"}},\"service\":{\"name\":\"dualcore-gateway\"},\"message\":"
            + "\"dualcore-audit-message-7f3a\",\"ecs\":{\"version\":\"8.11\"}}\n";

    private AuditLinesForBench() {}

    /**
     * An audit log for allowed requests too, as the gateway ships it (default queue, the writer thread formatting
     * each batch as ECS lines), whose lines go nowhere: the benchmark measures the queueing and the formatting, not
     * a console.
     */
    public static AuditLog ecsAuditLogToNowhere() {
        EcsAuditLines lines = EcsAuditLines.parse(ECS_TEMPLATE).orElseThrow();
        java.time.Duration denialWait = java.time.Duration.ofMillis(20);
        return new AuditLog(true, 16_384, denialWait, true, batch -> {
            // EcsAuditLines.write without the console: the same chunk, its bytes dropped
            StringBuilder chunk = new StringBuilder(Math.min(64 * 1024 + 2048, batch.size() * 900));
            String now = Instant.now().toString();
            for (AuditEvent event : batch) {
                lines.append(chunk, event, now);
            }
            byte[] bytes = chunk.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (bytes.length == 1) {
                throw new IllegalStateException("not a line");
            }
        });
    }

    /** Formats one event as the writer thread does for the console (ECS JSON). */
    public static BiFunction<AuditEvent, Instant, String> ecsFormatter() {
        EcsAuditLines lines = EcsAuditLines.parse(ECS_TEMPLATE).orElseThrow();
        return lines::format;
    }
}
