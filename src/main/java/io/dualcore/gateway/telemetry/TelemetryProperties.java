package io.dualcore.gateway.telemetry;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own telemetry.
 *
 * @param auditAllowed write an audit line for allowed requests too (denials are always written)
 * @param subjectInSpans put the subject into authentication spans (off: traces often leave the security domain)
 */
@ConfigurationProperties("dualcore.telemetry")
public record TelemetryProperties(
        @DefaultValue("true") boolean auditAllowed,
        @DefaultValue("false") boolean subjectInSpans) {}
