package io.dualcore.gateway.telemetry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.FilterReply;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.logback.StructuredLogEncoder;

/**
 * The audit lines of the shipped configuration (Elastic Common Schema JSON on the console), written without the
 * general-purpose structured formatter: that formatter spends about three quarters of the audit writer's time on
 * an event whose shape never changes. The members every line shares ({@code log}, {@code process},
 * {@code service}, {@code ecs}, with every {@code logging.structured.ecs.*} setting) come from Spring Boot's own ECS
 * encoder, which formats a template event once; the event's members are written here, JSON-escaped, as nested
 * objects with the same names Boot gives the key-value pairs of {@link AuditLog}'s logging path. A batch of lines
 * is written with one call to the console stream (the same {@link System#out} and lock Boot's console appender
 * uses, so lines of the two never interleave).
 *
 * <p>Used only when the {@code dualcore.audit} logger writes to the console appender alone and that appender
 * writes Boot's ECS JSON; any other logging set-up (plain text, another format, a log file, an appender of its own,
 * a filter) keeps the logging path, so nothing configured is ever bypassed.
 */
final class EcsAuditLines implements AuditLog.Sink {

    private static final String MESSAGE_MARKER = "dualcore-audit-message-7f3a";

    private static final Instant TEMPLATE_TIME = Instant.parse("2000-01-02T03:04:05.123456789Z");

    /** A batch is written to the console in chunks of about this size. */
    private static final int CHUNK = 64 * 1024;

    /** Up to the timestamp's value, between it and the message's value, after the message's closing quote. */
    private final String head;

    private final String middle;

    private final String tail;

    EcsAuditLines(String head, String middle, String tail) {
        this.head = head;
        this.middle = middle;
        this.tail = tail;
    }

    /**
     * The ECS writer, when the {@code dualcore.audit} logger's lines go to Boot's console appender only, as ECS JSON.
     */
    static Optional<EcsAuditLines> ifConsoleEcs(boolean structuredJsonCustomized) {
        if (structuredJsonCustomized) {
            // logging.structured.json.* may rename, drop or add members: only Boot's formatter applies that
            return Optional.empty();
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return Optional.empty();
        }
        Logger audit = context.getLogger(AuditLog.LOGGER);
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        for (Logger logger = audit; logger != null; logger = parent(context, logger)) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                appenders.add(it.next());
            }
            if (!logger.isAdditive()) {
                break;
            }
        }
        if (appenders.size() != 1
                || !(appenders.get(0) instanceof ConsoleAppender<ILoggingEvent> console)
                || !(console.getEncoder() instanceof StructuredLogEncoder encoder)
                || !"System.out".equals(console.getTarget())) {
            return Optional.empty();
        }
        LoggingEvent template = new LoggingEvent();
        template.setLoggerName(AuditLog.LOGGER);
        template.setLevel(Level.INFO);
        template.setThreadName(AuditLog.THREAD_NAME);
        template.setMessage(MESSAGE_MARKER);
        template.setInstant(TEMPLATE_TIME);
        template.setLoggerContext(context);
        if (console.getFilterChainDecision(template) == FilterReply.DENY) {
            return Optional.empty();
        }
        return parse(new String(encoder.encode(template), StandardCharsets.UTF_8));
    }

    /** Splits an encoded template line around its timestamp and message; empty unless it has ECS's shape. */
    static Optional<EcsAuditLines> parse(String encoded) {
        String timestamp = "\"@timestamp\":\"" + TEMPLATE_TIME + "\"";
        String message = "\"message\":\"" + MESSAGE_MARKER + "\"";
        int t = encoded.indexOf(timestamp);
        int m = encoded.indexOf(message);
        if (!encoded.startsWith("{")
                || t < 0
                || m < t
                || !encoded.contains("\"ecs\":{\"version\"")
                || !encoded.contains("\"logger\":\"" + AuditLog.LOGGER + "\"")
                || !encoded.endsWith("\n")) {
            return Optional.empty();
        }
        int timestampValue = t + "\"@timestamp\":\"".length();
        int messageValue = m + "\"message\":\"".length();
        return Optional.of(new EcsAuditLines(
                encoded.substring(0, timestampValue),
                encoded.substring(timestampValue + TEMPLATE_TIME.toString().length(), messageValue),
                encoded.substring(messageValue + MESSAGE_MARKER.length() + 1)));
    }

    private static Logger parent(LoggerContext context, Logger logger) {
        String name = logger.getName();
        if (Logger.ROOT_LOGGER_NAME.equals(name)) {
            return null;
        }
        int dot = name.lastIndexOf('.');
        return context.getLogger((dot < 0) ? Logger.ROOT_LOGGER_NAME : name.substring(0, dot));
    }

    @Override
    public void write(List<AuditEvent> batch) {
        StringBuilder chunk = new StringBuilder(Math.min(CHUNK + 2048, batch.size() * 900));
        // the time the batch is written, as the logging path stamps each line with the time it writes it; formatted
        // once per batch (a batch holds what queued up within a few milliseconds)
        String now = Instant.now().toString();
        for (AuditEvent event : batch) {
            append(chunk, event, now);
            if (chunk.length() >= CHUNK) {
                flush(chunk);
            }
        }
        flush(chunk);
    }

    private static void flush(StringBuilder chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
        PrintStream out = System.out;
        out.write(bytes, 0, bytes.length);
        out.flush();
        chunk.setLength(0);
    }

    /** One line, as Boot's ECS encoder would write it for {@link AuditLog}'s logging path. */
    String format(AuditEvent event, Instant now) {
        StringBuilder out = new StringBuilder(1024);
        append(out, event, now.toString());
        return out.toString();
    }

    /** Appends one line (also the benchmarks' sink). */
    void append(StringBuilder out, AuditEvent event, String now) {
        out.append(this.head).append(now).append(this.middle);
        escape(out, AuditLog.message(event));
        out.append('"');
        out.append(",\"event\":{\"action\":\"access\",\"outcome\":\"")
                .append(event.allowed() ? "success" : "failure")
                .append('"');
        member(out, "reason", event.code());
        out.append("},\"http\":{\"request\":{\"method\":");
        string(out, event.method());
        out.append("},\"response\":{\"status_code\":").append(event.status()).append("}}");
        out.append(",\"url\":{\"path\":");
        string(out, event.path());
        out.append('}');
        object(out, "user", "id", event.subject());
        object(out, "source", "ip", event.sourceIp());
        object(out, "trace", "id", event.traceId());
        out.append(",\"dualcore\":{\"mode\":");
        string(out, event.mode());
        member(out, "code", event.code());
        member(out, "route", event.route());
        member(out, "issuer", event.issuer());
        member(out, "realm", event.realm());
        member(out, "client_id", event.clientId());
        member(out, "device_id", event.deviceId());
        member(out, "key_id", event.keyId());
        member(out, "door", event.door());
        out.append('}');
        out.append(this.tail);
    }

    private static void object(StringBuilder out, String name, String member, String value) {
        if (value != null) {
            out.append(",\"").append(name).append("\":{\"").append(member).append("\":");
            string(out, value);
            out.append('}');
        }
    }

    private static void member(StringBuilder out, String name, String value) {
        if (value != null) {
            out.append(",\"").append(name).append("\":");
            string(out, value);
        }
    }

    private static void string(StringBuilder out, String value) {
        out.append('"');
        escape(out, value);
        out.append('"');
    }

    /** JSON string escaping (RFC 8259), plus the line and paragraph separators that break line-based collectors. */
    static void escape(StringBuilder out, String value) {
        int length = value.length();
        int plain = 0;
        while (plain < length && !escaped(value.charAt(plain))) {
            plain++;
        }
        if (plain == length) {
            // the usual value: nothing to escape, appended in one copy
            out.append(value);
            return;
        }
        out.append(value, 0, plain);
        for (int i = plain; i < length; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (escaped(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    private static boolean escaped(char c) {
        return c < 0x20 || c == '"' || c == '\\' || c == 0x7F || c == '\u2028' || c == '\u2029';
    }
}
