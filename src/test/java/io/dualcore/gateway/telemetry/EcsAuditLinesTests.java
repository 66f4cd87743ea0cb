package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The audit writer's own ECS lines are, member for member, what Spring Boot's ECS encoder writes for the same event
 * through the logging path (timestamps aside), hostile values included; and the writer is used only when the
 * logging set-up would produce exactly those lines.
 */
class EcsAuditLinesTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String TEMPLATE = "{\"@timestamp\":\"2000-01-02T03:04:05.123456789Z\",\"log\":{\"level\":"
            + "\"INFO\",\"logger\":\"dualcore.audit\"},\"process\":{\"pid\":4242,\"thread\":{\"name\":"
            + "\"dualcore-audit\"}},\"service\":{\"name\":\"dualcore-gateway \u00e9\u4e2d\"},\"message\":"
            + "\"dualcore-audit-message-7f3a\",\"ecs\":{\"version\":\"8.11\"}}\n";

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    private final Logger audit = this.context.getLogger(AuditLog.LOGGER);

    @AfterEach
    void restore() {
        this.audit.detachAndStopAllAppenders();
        this.audit.setAdditive(true);
        this.audit.setLevel(null);
    }

    static Stream<AuditEvent> events() {
        return Stream.of(
                TestAuditEvents.allowed()
                        .route("microservice-core")
                        .request("GET", "/api/orders/42")
                        .sourceIp("10.1.2.3")
                        .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
                        .caller("oidc", "http://localhost:8180/realms/dualcore", "dualcore", "a1b2")
                        .clientId("dualcore-demo")
                        .keyId("Xy")
                        .build(),
                TestAuditEvents.denied(403, "insufficient_role")
                        .route("microservice-admin")
                        .request("DELETE", "/api/admin/users")
                        .caller("edge", "dualcore-edge", "edge", "device-7")
                        .deviceId("device-7")
                        .keyId("edge-demo-1")
                        .build(),
                TestAuditEvents.denied(400, "invalid_path")
                        .request("GET", "/a/../b")
                        .sourceIp("::1")
                        .build(),
                // every value a client or an identity provider controls, at its most hostile
                TestAuditEvents.denied(401, "invalid_signature")
                        .route("r\"oute")
                        .request("GET", "/p\"ath\\x\u00e9\u4e2d")
                        .sourceIp("1.2.3.4")
                        .caller(
                                "oidc",
                                "iss\"\\\n\r\t\b\f\u0000\u001f\u007f",
                                "realm\u2028\u2029",
                                "sub\",\"admin\":true,\"x\":\"")
                        .clientId("client\ud83d\ude00")
                        .deviceId("dev\n{\"forged\":1}")
                        .keyId("kid\\u0022")
                        .build(),
                // a decision asked for by a front door (forward-auth), not proxied
                TestAuditEvents.allowed()
                        .route("microservice-core")
                        .request("GET", "/api/orders")
                        .sourceIp("203.0.113.9")
                        .caller("oidc", "http://localhost:8180/realms/dualcore", "dualcore", "a1b2")
                        .clientId("dualcore-demo")
                        .keyId("Xy")
                        .door("nginx")
                        .build());
    }

    @ParameterizedTest
    @MethodSource("events")
    void formatWhenEventThenSameJsonAsBootEcsEncoderThroughTheLoggingPath(AuditEvent event) throws Exception {
        StructuredLogEncoder encoder = ecsEncoder(new MockEnvironment()
                .withProperty("spring.application.name", "dualcore-gateway")
                .withProperty("logging.structured.ecs.service.version", "1.2.3")
                .withProperty("logging.structured.ecs.service.environment", "prod"));
        EcsAuditLines lines = EcsAuditLines.parse(new String(encoder.encode(template()), StandardCharsets.UTF_8))
                .orElseThrow();
        ILoggingEvent logged = loggedThroughLoggingPath(event);

        String boot = new String(encoder.encode(logged), StandardCharsets.UTF_8);
        String ours = lines.format(event, logged.getInstant());

        assertThat(ours).endsWith("\n");
        assertThat(ours.indexOf('\n')).as("one line").isEqualTo(ours.length() - 1);
        assertThat(ours).doesNotContain("\u2028", "\u2029", "\r");
        JsonNode expected = JSON.readTree(boot);
        JsonNode actual = JSON.readTree(ours);
        assertThat(actual).isEqualTo(expected);
        assertThat(actual.path("service").path("version").asString()).isEqualTo("1.2.3");
    }

    /** Values that exercise every branch of the byte encoder: each control char, escapes, 2-, 3- and 4-byte UTF-8. */
    static Stream<AuditEvent> encodedValues() {
        StringBuilder controls = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            controls.append(c);
        }
        controls.append('\u007f')
                .append('\u0080')
                .append('\u009f')
                .append('\u00ff')
                .append('\u07ff');
        controls.append('\u0800')
                .append('\u2027')
                .append('\u2028')
                .append('\u2029')
                .append('\u202a');
        controls.append('\ufffd').append('\uffff').append("\ud83d\ude00").append("\udbff\udfff");
        String lone = "a\ud83db\ude00c\ud83d";
        return Stream.concat(
                events(),
                Stream.of(
                        TestAuditEvents.denied(431, "header_too_large\u00e9\"")
                                .route(controls.toString())
                                .request("P\u00d6ST", "/" + controls + "/x")
                                .sourceIp(lone)
                                .traceId("\\\"")
                                .caller("oidc", lone, "\u0000", controls.toString())
                                .clientId("")
                                .deviceId("\ud800")
                                .keyId("\udc00")
                                .door("envoy-http")
                                .build(),
                        TestAuditEvents.denied(0, null).request("GET", "").build(),
                        TestAuditEvents.allowed()
                                .request("GET", "/" + "\u4e2d\"".repeat(5_000))
                                .build()));
    }

    @ParameterizedTest
    @MethodSource("encodedValues")
    void formatWhenAnyValueThenExactlyTheBytesOfTheStringFormatterItReplaced(AuditEvent event) {
        EcsAuditLines lines = EcsAuditLines.parse(TEMPLATE).orElseThrow();
        Instant now = Instant.parse("2026-12-08T00:01:02.000345Z");

        byte[] ours = lines.format(event, now).getBytes(StandardCharsets.UTF_8);
        var written = new java.io.ByteArrayOutputStream();
        lines.write(List.of(event), new java.io.PrintStream(written, false, StandardCharsets.UTF_8));

        byte[] expected = StringLines.format(event, now.toString()).getBytes(StandardCharsets.UTF_8);
        assertThat(ours).isEqualTo(expected);
        assertThat(written.toByteArray()).startsWith(ascii(TEMPLATE.substring(0, TEMPLATE.indexOf("2000"))));
        String line = written.toString(StandardCharsets.UTF_8);
        String stamp = line.substring(TEMPLATE.indexOf("2000"), line.indexOf('"', TEMPLATE.indexOf("2000")));
        assertThat(written.toByteArray())
                .isEqualTo(StringLines.format(event, stamp).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writeWhenBatchLargerThanAChunkThenEveryLineOnceInOrderSplitBetweenLines() {
        EcsAuditLines lines = EcsAuditLines.parse(TEMPLATE).orElseThrow();
        List<AuditEvent> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            batch.add(TestAuditEvents.allowed()
                    .request("GET", "/api/orders/" + i + "/\u00e9".repeat(i % 7))
                    .build());
        }
        List<Integer> chunks = new java.util.ArrayList<>();
        var written = new java.io.ByteArrayOutputStream();
        var console = new java.io.PrintStream(written, false, StandardCharsets.UTF_8) {
            @Override
            public void write(byte[] buf, int off, int len) {
                chunks.add(len);
                assertThat(buf[off + len - 1]).as("a chunk ends with a line").isEqualTo((byte) '\n');
                super.write(buf, off, len);
            }
        };

        lines.write(batch, console);
        lines.write(batch.subList(0, 3), console);

        assertThat(chunks.size()).as("several chunks, then one").isGreaterThan(2);
        List<String> paths = written.toString(StandardCharsets.UTF_8)
                .lines()
                .map(line -> JSON.readTree(line).path("url").path("path").asString())
                .toList();
        List<String> expected = java.util.stream.Stream.concat(batch.stream(), batch.subList(0, 3).stream())
                .map(AuditEvent::path)
                .toList();
        assertThat(paths).containsExactlyElementsOf(expected);
    }

    @Test
    void parseWhenNotEcsShapeThenNotUsed() {
        assertThat(EcsAuditLines.parse("2000-01-02 INFO dualcore.audit message\n"))
                .isEmpty();
        assertThat(EcsAuditLines.parse("{\"@timestamp\":\"2000-01-02T03:04:05.123456789Z\",\"message\":\"x\"}\n"))
                .isEmpty();
    }

    @Test
    void ifConsoleEcsWhenAuditLoggerHasItsOwnAppenderOrJsonIsCustomizedThenLoggingPath() {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(this.context);
        console.setEncoder(ecsEncoder(new MockEnvironment()));
        console.start();
        this.audit.setAdditive(false);
        this.audit.addAppender(console);
        assertThat(EcsAuditLines.ifConsoleEcs(false)).as("console + ECS only").isPresent();
        assertThat(EcsAuditLines.ifConsoleEcs(true))
                .as("logging.structured.json.* set")
                .isEmpty();

        ListAppender<ILoggingEvent> file = new ListAppender<>();
        file.setContext(this.context);
        file.start();
        this.audit.addAppender(file);
        assertThat(EcsAuditLines.ifConsoleEcs(false)).as("another destination").isEmpty();
    }

    @Test
    void ifConsoleEcsWhenConsoleWritesPlainTextThenLoggingPath() {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(this.context);
        var pattern = new ch.qos.logback.classic.encoder.PatternLayoutEncoder();
        pattern.setContext(this.context);
        pattern.setPattern("%msg%n");
        pattern.start();
        console.setEncoder(pattern);
        console.start();
        this.audit.setAdditive(false);
        this.audit.addAppender(console);
        assertThat(EcsAuditLines.ifConsoleEcs(false)).isEmpty();
    }

    @Test
    void writeWhenBatchThenOneLinePerEventOnSystemOut() throws Exception {
        EcsAuditLines lines = EcsAuditLines.parse(
                        new String(ecsEncoder(new MockEnvironment()).encode(template()), StandardCharsets.UTF_8))
                .orElseThrow();
        var captured = new java.io.ByteArrayOutputStream();
        var original = System.out;
        System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            lines.write(events().toList());
        } finally {
            System.setOut(original);
        }
        List<String> written = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(written).hasSize((int) events().count());
        for (String line : written) {
            ObjectNode node = (ObjectNode) JSON.readTree(line);
            assertThat(node.path("log").path("logger").asString()).isEqualTo(AuditLog.LOGGER);
            assertThat(node.path("event").path("action").asString()).isEqualTo("access");
        }
    }

    private StructuredLogEncoder ecsEncoder(Environment environment) {
        LoggerContext encoderContext = new LoggerContext();
        encoderContext.putObject(Environment.class.getName(), environment);
        StructuredLogEncoder encoder = new StructuredLogEncoder();
        encoder.setContext(encoderContext);
        encoder.setFormat("ecs");
        encoder.start();
        return encoder;
    }

    private ILoggingEvent template() {
        ch.qos.logback.classic.spi.LoggingEvent template = new ch.qos.logback.classic.spi.LoggingEvent();
        template.setLoggerName(AuditLog.LOGGER);
        template.setLevel(Level.INFO);
        template.setThreadName(AuditLog.THREAD_NAME);
        template.setMessage("dualcore-audit-message-7f3a");
        template.setInstant(Instant.parse("2000-01-02T03:04:05.123456789Z"));
        template.setLoggerContext(this.context);
        return template;
    }

    /** The event as AuditLog's logging path logs it, on a thread named as the audit writer. */
    private ILoggingEvent loggedThroughLoggingPath(AuditEvent event) throws InterruptedException {
        ListAppender<ILoggingEvent> capture = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent event) {
                // what an appender sees on the writer's thread (the thread name is read lazily)
                event.prepareForDeferredProcessing();
                super.append(event);
            }
        };
        capture.setContext(this.context);
        capture.start();
        this.audit.setLevel(Level.INFO);
        this.audit.setAdditive(false);
        this.audit.addAppender(capture);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread writer = new Thread(
                () -> {
                    try {
                        AuditLog.LOGGING.write(List.of(event));
                    } catch (RuntimeException ex) {
                        failure.set(ex);
                    }
                },
                AuditLog.THREAD_NAME);
        writer.start();
        writer.join();
        this.audit.detachAppender(capture);
        assertThat(failure.get()).isNull();
        assertThat(capture.list).hasSize(1);
        return capture.list.get(0);
    }

    private static byte[] ascii(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The writer's former formatter (StringBuilder, then {@code String.getBytes(UTF_8)}), kept as the reference the
     * byte encoder must match byte for byte.
     */
    private static final class StringLines {

        private static final EcsAuditLinesTemplate PARTS = EcsAuditLinesTemplate.of(TEMPLATE);

        static String format(AuditEvent event, String now) {
            StringBuilder out = new StringBuilder();
            out.append(PARTS.head()).append(now).append(PARTS.middle());
            escape(out, AuditLog.message(event));
            out.append('"');
            out.append(",\"event\":{\"action\":\"access\",\"outcome\":\"")
                    .append(event.allowed() ? "success" : "failure")
                    .append('"');
            member(out, "reason", event.code());
            out.append("},\"http\":{\"request\":{\"method\":");
            string(out, event.method());
            out.append("},\"response\":{\"status_code\":")
                    .append(event.status())
                    .append("}}");
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
            out.append(PARTS.tail());
            return out.toString();
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

        private static void escape(StringBuilder out, String value) {
            for (int i = 0; i < value.length(); i++) {
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
                        if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029') {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
        }
    }

    /** The template split as EcsAuditLines.parse splits it. */
    private record EcsAuditLinesTemplate(String head, String middle, String tail) {

        static EcsAuditLinesTemplate of(String encoded) {
            String timestamp = "\"@timestamp\":\"";
            String stamp = "2000-01-02T03:04:05.123456789Z";
            String message = "\"message\":\"";
            String marker = "dualcore-audit-message-7f3a";
            int t = encoded.indexOf(timestamp) + timestamp.length();
            int m = encoded.indexOf(message) + message.length();
            return new EcsAuditLinesTemplate(
                    encoded.substring(0, t),
                    encoded.substring(t + stamp.length(), m),
                    encoded.substring(m + marker.length() + 1));
        }
    }
}
