package io.dualcore.gateway.telemetry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * One audit event per access decision on the {@code dualcore.audit} logger, written through the application's
 * logging (Spring Boot structured logging: ECS JSON in the shipped configuration) as SLF4J key-value pairs with
 * Elastic Common Schema names ({@code event.*}, {@code user.id}, {@code source.ip}, {@code url.path},
 * {@code http.*}, {@code trace.id}) and the gateway's own under {@code dualcore.}. Never a token or a secret.
 *
 * <p>Asynchronous and batched: the request's thread only queues the event; one writer thread drains the queue in
 * batches and formats and writes them. When the writer cannot keep up, the queue's policy is explicit:
 * <ul>
 *   <li>lines of allowed requests are dropped first: they are queued only while the queue is less than 90% full;
 *   <li>denials are never dropped while the writer keeps up; with the queue full, a denial waits a bounded time
 *       ({@code denialWait}) for room, then is dropped;
 *   <li>every dropped line is counted ({@code dualcore_audit_dropped_total{outcome}}), so a gap is never silent.
 * </ul>
 * The request's thread never waits longer than {@code denialWait}.
 */
public final class AuditLog implements AutoCloseable {

    /** The logger audit events are written to. */
    public static final String LOGGER = "dualcore.audit";

    /** The writer thread's name (also in each line's {@code process.thread.name}). */
    public static final String THREAD_NAME = "dualcore-audit";

    private static final Logger logger = LoggerFactory.getLogger(LOGGER);

    /** Where the writer puts a batch of events. */
    interface Sink {

        /** Writes the events in order; a failure loses this batch only. */
        void write(List<AuditEvent> batch);
    }

    /** Through the application's logging: every logging configuration applies. */
    static final Sink LOGGING = batch -> {
        for (AuditEvent event : batch) {
            try {
                write(event);
            } catch (RuntimeException ex) {
                // a broken appender must not stop auditing; the logging system reports its own errors
            }
        }
    };

    private static final int BATCH = 1024;

    /**
     * How long the writer waits after a batch that did not fill up (the queue was drained): lines reach the log
     * within about this delay, in batches of what queued up meanwhile.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final boolean logAllowed;

    private final ArrayBlockingQueue<AuditEvent> queue;

    private final int allowedLimit;

    private final long denialWaitNanos;

    private final LongAdder droppedAllowed = new LongAdder();

    private final LongAdder droppedDenied = new LongAdder();

    private final Thread writer;

    private final Sink sink;

    private volatile boolean running = true;

    /** An audit log for allowed requests too, or denials only, with the default queue. */
    public AuditLog(boolean logAllowed) {
        this(logAllowed, 16_384, Duration.ofMillis(20));
    }

    /**
     * @param logAllowed write events of allowed requests too (denials always are)
     * @param capacity events the queue holds
     * @param denialWait how long a denial may wait for room in a full queue
     */
    public AuditLog(boolean logAllowed, int capacity, Duration denialWait) {
        this(logAllowed, capacity, denialWait, true, LOGGING);
    }

    /**
     * An audit log that writes ECS JSON lines to the console itself when the logging configuration would produce
     * exactly those lines for it (Spring Boot's ECS console format, the console its only destination), and through
     * the logging otherwise; see {@link EcsAuditLines}.
     *
     * @param structuredJsonCustomized whether any {@code logging.structured.json.*} property is set
     */
    public static AuditLog forConsole(
            boolean logAllowed, int capacity, Duration denialWait, boolean structuredJsonCustomized) {
        Sink sink = LOGGING;
        if (ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext", AuditLog.class.getClassLoader())) {
            sink = EcsAuditLines.ifConsoleEcs(structuredJsonCustomized)
                    .map(Sink.class::cast)
                    .orElse(LOGGING);
        }
        return new AuditLog(logAllowed, capacity, denialWait, true, sink);
    }

    AuditLog(boolean logAllowed, int capacity, Duration denialWait, boolean startWriter) {
        this(logAllowed, capacity, denialWait, startWriter, LOGGING);
    }

    AuditLog(boolean logAllowed, int capacity, Duration denialWait, boolean startWriter, Sink sink) {
        Assert.isTrue(capacity >= 16, "capacity must be at least 16");
        Assert.isTrue(!denialWait.isNegative(), "denialWait cannot be negative");
        this.logAllowed = logAllowed;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.allowedLimit = capacity - capacity / 10;
        this.denialWaitNanos = denialWait.toNanos();
        this.sink = sink;
        this.writer = new Thread(this::drain, THREAD_NAME);
        this.writer.setDaemon(true);
        if (startWriter) {
            this.writer.start();
        }
    }

    /** Starts the writer of a log built without it (tests fill the queue first). */
    void startWriter() {
        this.writer.start();
    }

    /** Whether events with this outcome are written at all (denials always are, unless the logger is off). */
    public boolean enabled(boolean allowed) {
        return (!allowed || this.logAllowed) && logger.isInfoEnabled();
    }

    /** Queues an event; never waits for an allowed request, at most {@code denialWait} for a denial. */
    public void submit(AuditEvent event) {
        if (event.allowed()) {
            if (this.queue.size() >= this.allowedLimit || !this.queue.offer(event)) {
                this.droppedAllowed.increment();
            }
            return;
        }
        if (this.queue.offer(event)) {
            return;
        }
        try {
            if (!this.queue.offer(event, this.denialWaitNanos, TimeUnit.NANOSECONDS)) {
                this.droppedDenied.increment();
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.droppedDenied.increment();
        }
    }

    /** Events of allowed requests dropped because the writer could not keep up. */
    public long droppedAllowed() {
        return this.droppedAllowed.sum();
    }

    /** Denials dropped after waiting {@code denialWait} for room. */
    public long droppedDenied() {
        return this.droppedDenied.sum();
    }

    /** Events queued and not yet written. */
    public int pending() {
        return this.queue.size();
    }

    private void drain() {
        List<AuditEvent> batch = new ArrayList<>(BATCH);
        while (this.running || !this.queue.isEmpty()) {
            this.queue.drainTo(batch, BATCH);
            int drained = batch.size();
            if (drained > 0) {
                try {
                    this.sink.write(batch);
                } catch (RuntimeException ex) {
                    // a broken console or appender must not stop auditing
                }
                batch.clear();
            }
            if (drained < BATCH && this.running) {
                // the queue is (nearly) empty: let the next batch gather for a while rather than write the one or
                // two events that arrive while a batch is written (one write system call per batch); close()
                // unparks the writer, which then writes whatever is left
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    private static void write(AuditEvent event) {
        LoggingEventBuilder line = logger.atInfo()
                .addKeyValue("event.action", "access")
                .addKeyValue("event.outcome", event.allowed() ? "success" : "failure")
                .addKeyValue("http.request.method", event.method())
                .addKeyValue("url.path", event.path())
                .addKeyValue("http.response.status_code", event.status())
                .addKeyValue("dualcore.mode", event.mode());
        add(line, "event.reason", event.code());
        add(line, "user.id", event.subject());
        add(line, "source.ip", event.sourceIp());
        add(line, "trace.id", event.traceId());
        add(line, "dualcore.code", event.code());
        add(line, "dualcore.route", event.route());
        add(line, "dualcore.issuer", event.issuer());
        add(line, "dualcore.realm", event.realm());
        add(line, "dualcore.client_id", event.clientId());
        add(line, "dualcore.device_id", event.deviceId());
        add(line, "dualcore.key_id", event.keyId());
        add(line, "dualcore.door", event.door());
        line.log(message(event));
    }

    /** The line's human-readable message. */
    static String message(AuditEvent event) {
        return event.method() + " " + event.path() + " " + event.status()
                + (event.allowed() ? " allowed" : " denied " + event.code());
    }

    private static void add(LoggingEventBuilder line, String key, String value) {
        if (value != null) {
            line.addKeyValue(key, value);
        }
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        this.running = false;
        LockSupport.unpark(this.writer);
        try {
            this.writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
