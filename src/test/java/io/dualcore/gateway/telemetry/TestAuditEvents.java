package io.dualcore.gateway.telemetry;

import java.net.InetAddress;

/**
 * Builds {@link AuditEvent}s for tests by name rather than by position: an allowed anonymous {@code GET /} unless
 * told otherwise.
 */
public final class TestAuditEvents {

    private boolean allowed = true;

    private int status = 200;

    private String code;

    private String route;

    private String method = "GET";

    private String path = "/";

    private String sourceIp;

    private String traceId;

    private String mode = "anonymous";

    private String issuer;

    private String realm;

    private String subject;

    private String clientId;

    private String deviceId;

    private String keyId;

    private String door;

    private InetAddress source;

    private TestAuditEvents() {}

    public static TestAuditEvents allowed() {
        return new TestAuditEvents();
    }

    /** A refusal with its status and stable code. */
    public static TestAuditEvents denied(int status, String code) {
        TestAuditEvents event = new TestAuditEvents();
        event.allowed = false;
        event.status = status;
        event.code = code;
        return event;
    }

    public TestAuditEvents route(String route) {
        this.route = route;
        return this;
    }

    public TestAuditEvents request(String method, String path) {
        this.method = method;
        this.path = path;
        return this;
    }

    public TestAuditEvents sourceIp(String sourceIp) {
        this.sourceIp = sourceIp;
        return this;
    }

    public TestAuditEvents source(InetAddress source) {
        this.source = source;
        return this;
    }

    public TestAuditEvents traceId(String traceId) {
        this.traceId = traceId;
        return this;
    }

    /** The caller: its mode's name, issuer, realm and subject. */
    public TestAuditEvents caller(String mode, String issuer, String realm, String subject) {
        this.mode = mode;
        this.issuer = issuer;
        this.realm = realm;
        this.subject = subject;
        return this;
    }

    public TestAuditEvents clientId(String clientId) {
        this.clientId = clientId;
        return this;
    }

    public TestAuditEvents deviceId(String deviceId) {
        this.deviceId = deviceId;
        return this;
    }

    public TestAuditEvents keyId(String keyId) {
        this.keyId = keyId;
        return this;
    }

    public TestAuditEvents door(String door) {
        this.door = door;
        return this;
    }

    public AuditEvent build() {
        return new AuditEvent(
                this.allowed,
                this.status,
                this.code,
                this.route,
                this.method,
                this.path,
                this.sourceIp,
                this.traceId,
                this.mode,
                this.issuer,
                this.realm,
                this.subject,
                this.clientId,
                this.deviceId,
                this.keyId,
                this.door,
                this.source);
    }
}
