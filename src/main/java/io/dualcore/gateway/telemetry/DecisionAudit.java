package io.dualcore.gateway.telemetry;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.web.ErrorCode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import java.net.InetSocketAddress;
import org.springframework.web.server.ServerWebExchange;

/** The decision's audit event: one per request, with its final status and the door it came through. */
final class DecisionAudit {

    private final AuditLog audit;

    DecisionAudit(AuditLog audit) {
        this.audit = audit;
    }

    /** @param context the trace context, or {@code null} for the exchange's own */
    void record(
            ServerWebExchange exchange,
            Context context,
            String routeId,
            GatewayIdentity identity,
            boolean allowed,
            int status,
            ErrorCode code) {
        if (!this.audit.enabled(allowed)) {
            return;
        }
        SpanContext trace = Span.fromContext(context != null ? context : GatewayTelemetry.requestContext(exchange))
                .getSpanContext();
        InetSocketAddress client = exchange.getRequest().getRemoteAddress();
        this.audit.submit(new AuditEvent(
                allowed,
                status,
                code != null ? code.code() : null,
                routeId,
                exchange.getRequest().getMethod().name(),
                exchange.getRequest().getPath().value(),
                null,
                trace.isValid() ? trace.getTraceId() : null,
                identity != null ? identity.mode().name() : Mode.ANONYMOUS,
                identity != null ? identity.issuer() : null,
                identity != null ? identity.realm() : null,
                identity != null ? identity.subject() : null,
                identity != null ? identity.clientId() : null,
                identity != null ? identity.deviceId() : null,
                identity != null ? identity.keyId() : null,
                GatewayTelemetry.door(exchange),
                // formatted by the writer thread, not on the event loop
                (client != null) ? client.getAddress() : null));
    }
}
