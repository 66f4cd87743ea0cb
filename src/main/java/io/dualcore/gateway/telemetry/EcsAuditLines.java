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
import java.util.Arrays;
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
 * objects with the same names Boot gives the key-value pairs of {@link AuditLog}'s logging path, encoded as UTF-8
 * straight into one reused byte buffer (no string per line or batch). A batch is written to the console stream in
 * chunks of {@link #CHUNK} bytes, one call each, a chunk always ending with a line (the same {@link System#out} and
 * lock Boot's console appender uses, so lines of the two never interleave).
 *
 * <p>Used only when the {@code dualcore.audit} logger writes to the console appender alone and that appender
 * writes Boot's ECS JSON; any other logging set-up (plain text, another format, a log file, an appender of its own,
 * a filter) keeps the logging path, so nothing configured is ever bypassed.
 */
final class EcsAuditLines implements AuditLog.Sink {

    private static final String MESSAGE_MARKER = "dualcore-audit-message-7f3a";

    private static final Instant TEMPLATE_TIME = Instant.parse("2000-01-02T03:04:05.123456789Z");

    /** A batch is written to the console in chunks of about this size (one write system call each). */
    static final int CHUNK = 256 * 1024;

    /**
     * Up to the timestamp's value, between it and the message's value, after the message's closing quote: UTF-8 of
     * the template line Boot's encoder wrote.
     */
    private final byte[] head;

    private final byte[] middle;

    private final byte[] tail;

    /** The writer thread's chunk, reused batch after batch. */
    private final Buffer buffer = new Buffer(CHUNK + 16 * 1024);

    EcsAuditLines(String head, String middle, String tail) {
        this.head = head.getBytes(StandardCharsets.UTF_8);
        this.middle = middle.getBytes(StandardCharsets.UTF_8);
        this.tail = tail.getBytes(StandardCharsets.UTF_8);
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
        write(batch, System.out);
    }

    /** Writes the batch to this console stream (the benchmarks' is a stream that drops the bytes). */
    void write(List<AuditEvent> batch, PrintStream console) {
        // the time the batch is written, as the logging path stamps each line with the time it writes it; formatted
        // once per batch (a batch holds what queued up within a few milliseconds)
        byte[] now = asciiBytes(Instant.now().toString());
        synchronized (this.buffer) {
            Buffer out = this.buffer;
            try {
                for (AuditEvent event : batch) {
                    append(out, event, now);
                    if (out.length >= CHUNK) {
                        flush(out, console);
                    }
                }
                flush(out, console);
            } finally {
                // a failed line or write loses this batch only
                out.length = 0;
            }
        }
    }

    private static void flush(Buffer chunk, PrintStream console) {
        if (chunk.length == 0) {
            return;
        }
        console.write(chunk.bytes, 0, chunk.length);
        console.flush();
        chunk.length = 0;
    }

    /** One line, as Boot's ECS encoder would write it for {@link AuditLog}'s logging path. */
    String format(AuditEvent event, Instant now) {
        Buffer out = new Buffer(1024);
        append(out, event, asciiBytes(now.toString()));
        return new String(out.bytes, 0, out.length, StandardCharsets.UTF_8);
    }

    /** Appends one line as UTF-8; {@code now} is the timestamp's ASCII. */
    void append(Buffer out, AuditEvent event, byte[] now) {
        out.raw(this.head).raw(now).raw(this.middle);
        // the message, AuditLog.message(event) escaped, without building it first
        out.escaped(String.valueOf(event.method())).ascii(' ');
        out.escaped(String.valueOf(event.path())).ascii(' ');
        out.number(event.status());
        if (event.allowed()) {
            out.raw(ALLOWED);
        } else {
            out.raw(DENIED).escaped(String.valueOf(event.code()));
        }
        out.ascii('"').raw(event.allowed() ? EVENT_SUCCESS : EVENT_FAILURE);
        member(out, REASON, event.code());
        out.raw(HTTP_METHOD).string(event.method());
        out.raw(STATUS_CODE).number(event.status());
        out.raw(URL_PATH).string(event.path());
        out.ascii('}');
        object(out, USER_ID, event.subject());
        object(out, SOURCE_IP, event.sourceIp());
        object(out, TRACE_ID, event.traceId());
        out.raw(DUALCORE_MODE).string(event.mode());
        member(out, CODE, event.code());
        member(out, ROUTE, event.route());
        member(out, ISSUER, event.issuer());
        member(out, REALM, event.realm());
        member(out, CLIENT_ID, event.clientId());
        member(out, DEVICE_ID, event.deviceId());
        member(out, KEY_ID, event.keyId());
        member(out, DOOR, event.door());
        out.ascii('}');
        out.raw(this.tail);
    }

    private static final byte[] ALLOWED = asciiBytes(" allowed");

    private static final byte[] DENIED = asciiBytes(" denied ");

    private static final byte[] EVENT_SUCCESS = asciiBytes(",\"event\":{\"action\":\"access\",\"outcome\":\"success\"");

    private static final byte[] EVENT_FAILURE = asciiBytes(",\"event\":{\"action\":\"access\",\"outcome\":\"failure\"");

    private static final byte[] HTTP_METHOD = asciiBytes("},\"http\":{\"request\":{\"method\":");

    private static final byte[] STATUS_CODE = asciiBytes("},\"response\":{\"status_code\":");

    private static final byte[] URL_PATH = asciiBytes("}},\"url\":{\"path\":");

    private static final byte[] USER_ID = asciiBytes(",\"user\":{\"id\":");

    private static final byte[] SOURCE_IP = asciiBytes(",\"source\":{\"ip\":");

    private static final byte[] TRACE_ID = asciiBytes(",\"trace\":{\"id\":");

    private static final byte[] DUALCORE_MODE = asciiBytes(",\"dualcore\":{\"mode\":");

    private static final byte[] REASON = asciiBytes(",\"reason\":");

    private static final byte[] CODE = asciiBytes(",\"code\":");

    private static final byte[] ROUTE = asciiBytes(",\"route\":");

    private static final byte[] ISSUER = asciiBytes(",\"issuer\":");

    private static final byte[] REALM = asciiBytes(",\"realm\":");

    private static final byte[] CLIENT_ID = asciiBytes(",\"client_id\":");

    private static final byte[] DEVICE_ID = asciiBytes(",\"device_id\":");

    private static final byte[] KEY_ID = asciiBytes(",\"key_id\":");

    private static final byte[] DOOR = asciiBytes(",\"door\":");

    /** {@code ,"name":{"member":"value"}} when there is a value; {@code prefix} is {@code ,"name":{"member":}. */
    private static void object(Buffer out, byte[] prefix, String value) {
        if (value != null) {
            out.raw(prefix).string(value).ascii('}');
        }
    }

    /** {@code ,"name":"value"} when there is a value; {@code prefix} is {@code ,"name":}. */
    private static void member(Buffer out, byte[] prefix, String value) {
        if (value != null) {
            out.raw(prefix).string(value);
        }
    }

    private static byte[] asciiBytes(String value) {
        return value.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A growable byte buffer the writer thread reuses for every chunk: lines are encoded into it as UTF-8 directly
     * (no StringBuilder, String and byte array per chunk), JSON-escaped as they go.
     */
    static final class Buffer {

        private static final byte[] HEX = asciiBytes("0123456789abcdef");

        byte[] bytes;

        int length;

        Buffer(int capacity) {
            this.bytes = new byte[capacity];
        }

        private void ensure(int more) {
            if (this.length + more > this.bytes.length) {
                this.bytes = Arrays.copyOf(this.bytes, Math.max(this.bytes.length * 2, this.length + more));
            }
        }

        Buffer raw(byte[] value) {
            ensure(value.length);
            System.arraycopy(value, 0, this.bytes, this.length, value.length);
            this.length += value.length;
            return this;
        }

        Buffer ascii(char c) {
            ensure(1);
            this.bytes[this.length++] = (byte) c;
            return this;
        }

        Buffer number(int value) {
            if (value < 0) {
                return raw(asciiBytes(Integer.toString(value)));
            }
            int digits = 1;
            for (int rest = value / 10; rest > 0; rest /= 10) {
                digits++;
            }
            ensure(digits);
            int p = this.length + digits;
            this.length = p;
            int rest = value;
            do {
                this.bytes[--p] = (byte) ('0' + rest % 10);
                rest /= 10;
            } while (rest > 0);
            return this;
        }

        /** The value as a JSON string; {@code null} fails as it did through a StringBuilder. */
        Buffer string(String value) {
            ascii('"');
            escaped(value);
            return ascii('"');
        }

        /**
         * The value JSON-escaped (RFC 8259, plus the line and paragraph separators that break line-based
         * collectors) as UTF-8, a lone surrogate as {@code ?} (what {@link String#getBytes} writes for it).
         */
        Buffer escaped(String value) {
            int count = value.length();
            // at most 6 bytes per char (a backslash-u escape); 3 for a char of UTF-8, 4 for a surrogate pair
            ensure(count * 6);
            byte[] b = this.bytes;
            int p = this.length;
            for (int i = 0; i < count; i++) {
                char c = value.charAt(i);
                if (c < 0x80) {
                    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
                        b[p++] = (byte) c;
                        continue;
                    }
                    b[p++] = '\\';
                    switch (c) {
                        case '"' -> b[p++] = '"';
                        case '\\' -> b[p++] = '\\';
                        case '\n' -> b[p++] = 'n';
                        case '\r' -> b[p++] = 'r';
                        case '\t' -> b[p++] = 't';
                        case '\b' -> b[p++] = 'b';
                        case '\f' -> b[p++] = 'f';
                        default -> p = unicode(b, p, c);
                    }
                } else if (c < 0x800) {
                    b[p++] = (byte) (0xC0 | (c >> 6));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                } else if (c == '\u2028' || c == '\u2029') {
                    b[p++] = '\\';
                    p = unicode(b, p, c);
                } else if (Character.isHighSurrogate(c)
                        && i + 1 < count
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    int code = Character.toCodePoint(c, value.charAt(++i));
                    b[p++] = (byte) (0xF0 | (code >> 18));
                    b[p++] = (byte) (0x80 | ((code >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((code >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (code & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    b[p++] = '?';
                } else {
                    b[p++] = (byte) (0xE0 | (c >> 12));
                    b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            this.length = p;
            return this;
        }

        /** {@code u} and four lowercase hex digits, after the backslash. */
        private static int unicode(byte[] b, int p, char c) {
            b[p++] = 'u';
            b[p++] = HEX[(c >> 12) & 0xF];
            b[p++] = HEX[(c >> 8) & 0xF];
            b[p++] = HEX[(c >> 4) & 0xF];
            b[p++] = HEX[c & 0xF];
            return p;
        }
    }
}
