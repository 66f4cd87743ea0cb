package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.auth.revocation.RevocationObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.util.Assert;

/**
 * Audits and counts revocation changes and back-channel logouts: one line on the {@code dualcore.audit} logger per
 * change (who: {@code user.id}, the admin's subject or {@code backchannel-logout}; what: kind, realm and value; until
 * when), and the meters {@code dualcore.revocations.changes} and {@code dualcore.backchannel.logouts}. Never a token.
 * Revocation changes are rare, so the lines are written directly rather than through the request audit queue.
 */
public final class RevocationTelemetry implements RevocationObserver {

    private static final Logger audit = LoggerFactory.getLogger(AuditLog.LOGGER);

    private final MeterRegistry meters;

    public RevocationTelemetry(MeterRegistry meters) {
        Assert.notNull(meters, "meters cannot be null");
        this.meters = meters;
    }

    @Override
    public void revoked(Revocation revocation) {
        change("revocation-added", "success", revocation, revocation.actor());
    }

    @Override
    public void lifted(Revocation revocation, String actor) {
        change("revocation-lifted", "success", revocation, actor);
    }

    @Override
    public void limitReached(Revocation revocation) {
        change("revocation-added", "failure", revocation, revocation.actor());
    }

    @Override
    public void logoutAccepted(String realm) {
        logout(realm, "success", null);
    }

    @Override
    public void logoutRefused(String realm, String reason) {
        logout(realm, "failure", reason);
    }

    @Override
    public void connectionClosed(String realm, String subject, String reason) {
        Counter.builder("dualcore.websocket.closed")
                .description("WebSocket connections closed because their token expired or was revoked")
                .tag("reason", reason.replace(' ', '_'))
                .register(this.meters)
                .increment();
        audit.atInfo()
                .addKeyValue("event.action", "websocket-closed")
                .addKeyValue("event.outcome", "success")
                .addKeyValue("event.reason", reason)
                .addKeyValue("user.id", subject)
                .addKeyValue("dualcore.realm", realm)
                .log("websocket closed (1008): " + reason);
    }

    private void change(String action, String outcome, Revocation revocation, String actor) {
        Counter.builder("dualcore.revocations.changes")
                .description("Revocations added or lifted on this instance (failure: the list was full)")
                .tag("action", action)
                .tag("outcome", outcome)
                .tag("kind", revocation.kind().value())
                .register(this.meters)
                .increment();
        LoggingEventBuilder line = audit.atInfo()
                .addKeyValue("event.action", action)
                .addKeyValue("event.outcome", outcome)
                .addKeyValue("user.id", actor)
                .addKeyValue("dualcore.realm", revocation.realm())
                .addKeyValue("dualcore.revocation.kind", revocation.kind().value())
                .addKeyValue("dualcore.revocation.value", revocation.value())
                .addKeyValue("dualcore.revocation.until", revocation.until().toString());
        if (revocation.issuedBefore() != null) {
            line.addKeyValue(
                    "dualcore.revocation.issued_before",
                    revocation.issuedBefore().toString());
        }
        line.log(action + " " + revocation.kind().value() + " " + revocation.realm() + " until " + revocation.until()
                + " by " + actor + ("failure".equals(outcome) ? " refused (list full)" : ""));
    }

    private void logout(String realm, String outcome, String reason) {
        Counter.builder("dualcore.backchannel.logouts")
                .description("Back-channel logout requests received, by realm and outcome")
                .tag("realm", realm)
                .tag("outcome", outcome)
                .register(this.meters)
                .increment();
        LoggingEventBuilder line = audit.atInfo()
                .addKeyValue("event.action", "backchannel-logout")
                .addKeyValue("event.outcome", outcome)
                .addKeyValue("dualcore.realm", realm);
        if (reason != null) {
            line.addKeyValue("event.reason", reason);
        }
        line.log("backchannel-logout " + realm + " " + outcome + (reason != null ? ": " + reason : ""));
    }
}
