package io.dualcore.gateway.telemetry;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own telemetry.
 *
 * @param auditAllowed write an audit line for allowed requests too (denials are always written)
 * @param subjectInSpans put the subject into authentication spans (off: traces often leave the security domain)
 * @param auditQueueCapacity audit events queued for the writer thread; allowed requests' events are dropped (and
 *     counted) once it is 90% full
 * @param auditDenialWait how long a denial's audit event may wait for room in a full queue before it is dropped
 *     (and counted); the longest a request thread ever waits for the audit log
 */
@ConfigurationProperties("dualcore.telemetry")
public record TelemetryProperties(
        @DefaultValue("true") boolean auditAllowed,
        @DefaultValue("false") boolean subjectInSpans,
        @DefaultValue("16384") int auditQueueCapacity,
        @DefaultValue("20ms") Duration auditDenialWait) {}
