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

    /** Formats one event as the writer thread does for the console (ECS JSON). */
    public static BiFunction<AuditEvent, Instant, String> ecsFormatter() {
        EcsAuditLines lines = EcsAuditLines.parse(ECS_TEMPLATE).orElseThrow();
        return lines::format;
    }
}
