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
        java.io.PrintStream nowhere = new java.io.PrintStream(java.io.OutputStream.nullOutputStream(), false);
        return new AuditLog(true, 16_384, denialWait, true, batch -> lines.write(batch, nowhere));
    }

    /**
     * The writer thread's ECS sink itself ({@code EcsAuditLines.write}: format a batch and write it to
     * {@link System#out}; the benchmark points {@code System.out} at a stream that drops the bytes).
     */
    public static java.util.function.Consumer<java.util.List<AuditEvent>> ecsWriter() {
        EcsAuditLines lines = EcsAuditLines.parse(ECS_TEMPLATE).orElseThrow();
        return lines::write;
    }

    /** Formats one event as the writer thread does for the console (ECS JSON). */
    public static BiFunction<AuditEvent, Instant, String> ecsFormatter() {
        EcsAuditLines lines = EcsAuditLines.parse(ECS_TEMPLATE).orElseThrow();
        return lines::format;
    }
}
