package io.dualcore.gateway.identity;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;

/**
 * The identity-header contract with upstreams: header names under the reserved prefix, one value each, and the
 * test for whether a client header falls in the reserved namespace (case-insensitively, with {@code _} read as
 * {@code -}, since some upstream stacks treat the two alike).
 */
public final class IdentityHeaders {

    private final String normalizedPrefix;

    public final String subject;

    public final String mode;

    public final String issuer;

    public final String realm;

    public final String client;

    public final String roles;

    public final String scopes;

    public final String device;

    public final String keyId;

    public final String assertion;

    public IdentityHeaders(String prefix) {
        Assert.hasText(prefix, "prefix cannot be empty");
        this.normalizedPrefix = normalize(prefix);
        this.subject = prefix + "Subject";
        this.mode = prefix + "Mode";
        this.issuer = prefix + "Issuer";
        this.realm = prefix + "Realm";
        this.client = prefix + "Client";
        this.roles = prefix + "Roles";
        this.scopes = prefix + "Scopes";
        this.device = prefix + "Device";
        this.keyId = prefix + "Key-Id";
        this.assertion = prefix + "Assertion";
    }

    /** Whether a header name is in the reserved namespace, however a client spells it. Allocation-free. */
    public boolean isReserved(String headerName) {
        String name = headerName.strip();
        String prefix = this.normalizedPrefix;
        if (name.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = name.charAt(i);
            if (c == '_') {
                c = '-';
            }
            if (Character.toLowerCase(c) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String normalize(String name) {
        return name.trim().replace('_', '-').toLowerCase(Locale.ROOT);
    }

    /** Writes the identity into upstream headers, one value each; the values are computed once per identity. */
    public void write(GatewayIdentity identity, HttpHeaders headers) {
        String[] values = identity.derived(this.values);
        for (int i = 0; i < values.length; i += 2) {
            headers.set(values[i], values[i + 1]);
        }
    }

    /** Name/value pairs of the identity's headers, encoded; memoized per identity instance. */
    private final GatewayIdentity.Derived<String[]> values = GatewayIdentity.Derived.of(this::headerValues);

    private String[] headerValues(GatewayIdentity identity) {
        List<String> pairs = new ArrayList<>(18);
        add(pairs, this.subject, identity.subject());
        add(pairs, this.mode, identity.mode().value());
        add(pairs, this.issuer, identity.issuer());
        add(pairs, this.realm, identity.realm());
        add(pairs, this.client, identity.clientId());
        add(pairs, this.roles, join(identity.roles(), ","));
        add(pairs, this.scopes, join(identity.scopes(), " "));
        add(pairs, this.device, identity.deviceId());
        add(pairs, this.keyId, identity.keyId());
        return pairs.toArray(String[]::new);
    }

    private static void add(List<String> pairs, String name, String value) {
        if (value != null && !value.isEmpty()) {
            pairs.add(name);
            pairs.add(HeaderValues.encode(value));
        }
    }

    private static String join(Collection<String> values, String separator) {
        return values.isEmpty()
                ? null
                : String.join(separator, values.stream().sorted().toList());
    }
}
