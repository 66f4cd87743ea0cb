package io.dualcore.gateway.web;

import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * On shutdown, turns readiness to {@code REFUSING_TRAFFIC} and keeps the gateway port serving for a drain period,
 * before the web server's graceful shutdown stops accepting connections. Stopped first among lifecycle beans
 * (highest phase), so the web server is still up while it waits; Spring Boot itself would only report the state
 * change once the web server stops.
 */
public final class ShutdownDrain implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(ShutdownDrain.class);

    private final Duration drain;

    private final ApplicationEventPublisher events;

    private volatile boolean running;

    public ShutdownDrain(Duration drain, ApplicationEventPublisher events) {
        this.drain = drain;
        this.events = events;
    }

    @Override
    public void start() {
        this.running = true;
    }

    @Override
    public void stop() {
        this.running = false;
        AvailabilityChangeEvent.publish(this.events, this, ReadinessState.REFUSING_TRAFFIC);
        if (this.drain.isZero() || this.drain.isNegative()) {
            return;
        }
        logger.info("Readiness is DOWN; serving for another " + this.drain + " while load balancers drain");
        try {
            Thread.sleep(this.drain.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /** Above the web server's graceful-shutdown and stop phases: stopped (and waited for) before them. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
