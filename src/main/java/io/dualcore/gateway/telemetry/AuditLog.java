package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.net.InetSocketAddress;
import java.time.Instant;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * One structured JSON line per authentication or authorization decision, on the {@code dualcore.audit} logger, for
 * a SIEM to ingest. It names who (mode, issuer, subject or device, key id, client) was allowed or denied what
 * (route, method, path) and why (code); it never contains a token or a secret.
 */
public final class AuditLog {

    /** The logger audit lines are written to; route it to its own appender to ship it. */
    public static final String LOGGER = "dualcore.audit";

    private static final Log logger = LogFactory.getLog(LOGGER);

    private final boolean logAllowed;

    public AuditLog(boolean logAllowed) {
        this.logAllowed = logAllowed;
    }

    /** Whether lines for this outcome are written at all (denials always are). */
    public boolean enabled(boolean allowed) {
        return logger.isInfoEnabled() && (!allowed || this.logAllowed);
    }

    /**
     * Writes a decision.
     *
     * @param identity the verified identity, or {@code null} (anonymous or rejected token)
     * @param code the stable error code of a denial, or {@code null}
     */
    public void decision(
            Instant time,
            String traceId,
            String route,
            String method,
            String path,
            GatewayIdentity identity,
            boolean allowed,
            int status,
            String code,
            InetSocketAddress client) {
        if (!enabled(allowed)) {
            return;
        }
        StringBuilder json = new StringBuilder(320).append('{');
        field(json, "time", time.toString());
        field(json, "event", "access");
        field(json, "trace_id", traceId);
        field(json, "route", route);
        field(json, "method", method);
        field(json, "path", path);
        if (identity != null) {
            field(json, "mode", identity.mode().value());
            field(json, "issuer", identity.issuer());
            field(json, "realm", identity.realm());
            field(json, "subject", identity.subject());
            field(json, "client_id", identity.clientId());
            field(json, "device", identity.deviceId());
            field(json, "kid", identity.keyId());
        } else {
            field(json, "mode", "anonymous");
        }
        field(json, "outcome", allowed ? "allowed" : "denied");
        json.append("\"status\":").append(status).append(',');
        field(json, "code", code);
        field(
                json,
                "client_address",
                (client != null && client.getAddress() != null)
                        ? client.getAddress().getHostAddress()
                        : null);
        json.setLength(json.length() - 1);
        logger.info(json.append('}').toString());
    }

    private static void field(StringBuilder json, String name, String value) {
        if (value == null) {
            return;
        }
        json.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append("\",");
    }
}
