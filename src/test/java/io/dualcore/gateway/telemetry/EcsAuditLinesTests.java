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
}
