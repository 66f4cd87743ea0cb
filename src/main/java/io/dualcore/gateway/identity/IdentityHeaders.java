package io.dualcore.gateway.identity;

import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.web.HeaderBlock;
import io.dualcore.gateway.web.HeaderName;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.springframework.http.HttpHeaders;
import org.springframework.util.Assert;

/**
 * The identity-header contract with upstreams: header names under the reserved prefix, one value each, and the
 * test for whether a client header falls in the reserved namespace (case-insensitively, with {@code _} read as
 * {@code -}, since some upstream stacks treat the two alike). The reserved namespace may hold more prefixes than the
 * one the names are made with: the prefixes a live reload retired stay reserved, so an upstream that still reads an
 * old prefix never gets a client's header in it as an identity.
 */
public final class IdentityHeaders {

    /** The prefix the names are made with, as configured. */
    private final String prefix;

    /** Every reserved prefix, normalized: the own one first, then the retired ones. */
    private final String[] normalizedPrefixes;

    /** {@link #isReserved} as one reusable predicate (no method reference made per request). */
    private final Predicate<String> reserved = this::isReserved;

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

    /** The prefix of the UserInfo claim headers ({@code X-Auth-Claim-Email} for {@code email}). */
    public final String claimPrefix;

    /** The names above with their lower-case forms, for the header blocks. */
    private final HeaderName subjectName;

    private final HeaderName modeName;

    private final HeaderName issuerName;

    private final HeaderName realmName;

    private final HeaderName clientName;

    private final HeaderName rolesName;

    private final HeaderName scopesName;

    private final HeaderName deviceName;

    private final HeaderName keyIdName;

    private final HeaderName assertionName;

    public IdentityHeaders(String prefix) {
        this(prefix, List.of());
    }

    /**
     * @param prefix the prefix of the identity headers, reserved
     * @param retired earlier prefixes that stay reserved although no identity header is named with them any more
     */
    public IdentityHeaders(String prefix, Collection<String> retired) {
        Assert.hasText(prefix, "prefix cannot be empty");
        Assert.notNull(retired, "retired cannot be null");
        Set<String> prefixes = new LinkedHashSet<>();
        prefixes.add(normalize(prefix));
        retired.forEach(old -> prefixes.add(normalize(old)));
        this.prefix = prefix;
        this.normalizedPrefixes = prefixes.toArray(String[]::new);
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
        this.claimPrefix = prefix + "Claim-";
        this.subjectName = HeaderName.of(this.subject);
        this.modeName = HeaderName.of(this.mode);
        this.issuerName = HeaderName.of(this.issuer);
        this.realmName = HeaderName.of(this.realm);
        this.clientName = HeaderName.of(this.client);
        this.rolesName = HeaderName.of(this.roles);
        this.scopesName = HeaderName.of(this.scopes);
        this.deviceName = HeaderName.of(this.device);
        this.keyIdName = HeaderName.of(this.keyId);
        this.assertionName = HeaderName.of(this.assertion);
    }

    /**
     * The header carrying a UserInfo claim: the claim name's parts (split at {@code _}, {@code .} and {@code -})
     * capitalized and joined with {@code -}, after {@link #claimPrefix}: {@code preferred_username} is
     * {@code X-Auth-Claim-Preferred-Username}.
     */
    public String claimHeader(String claimName) {
        StringBuilder name = new StringBuilder(this.claimPrefix);
        boolean start = true;
        for (int i = 0; i < claimName.length(); i++) {
            char c = claimName.charAt(i);
            if (c == '_' || c == '.' || c == '-') {
                name.append('-');
                start = true;
            } else {
                name.append(start ? Character.toUpperCase(c) : c);
                start = false;
            }
        }
        return name.toString();
    }

    /** The prefix the identity headers are named with, as configured. */
    public String prefix() {
        return this.prefix;
    }

    /**
     * Every reserved prefix, normalized (lower case, {@code -} for {@code _}): the own one first, then those retired
     * by earlier reloads.
     */
    public List<String> reservedPrefixes() {
        return List.of(this.normalizedPrefixes);
    }

    /** Whether a header name is in the reserved namespace, however a client spells it. Allocation-free. */
    public boolean isReserved(String headerName) {
        String name = headerName.strip();
        for (String prefix : this.normalizedPrefixes) {
            if (startsWith(name, prefix)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #isReserved} as a predicate, the same instance every time. */
    public Predicate<String> reserved() {
        return this.reserved;
    }

    private static boolean startsWith(String name, String prefix) {
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

    /**
     * Writes the identity into upstream headers, one value each, replacing any value of the same name. The header
     * block is computed once per identity and per these names (memoized on the identity instance for this
     * {@code IdentityHeaders}: a reload that changes the prefix makes another one, whose blocks are computed afresh)
     * and written in one pass: no list made and no name lower-cased per request (nothing after the hand-over adds to
     * an identity header).
     */
    public void write(GatewayIdentity identity, HttpHeaders headers) {
        block(identity).writeTo(headers);
    }

    /** Writes the identity assertion, replacing any value of its name. */
    public void writeAssertion(String assertion, HttpHeaders headers) {
        this.assertionName.set(headers, assertion);
    }

    /** The identity's headers under these names: computed on first use, then memoized on the identity instance. */
    public HeaderBlock block(GatewayIdentity identity) {
        return identity.derived(this.block);
    }

    /** The identity's header block; memoized per identity instance. */
    private final GatewayIdentity.Derived<HeaderBlock> block = GatewayIdentity.Derived.of(this::headerBlock);

    /** The identity's headers, encoded. */
    private HeaderBlock headerBlock(GatewayIdentity identity) {
        HeaderBlock.Builder block = HeaderBlock.builder()
                .add(this.subjectName, encode(identity.subject()))
                .add(this.modeName, encode(identity.mode().name()))
                .add(this.issuerName, encode(identity.issuer()))
                .add(this.realmName, encode(identity.realm()))
                .add(this.clientName, encode(identity.clientId()))
                .add(this.rolesName, list(identity.roles(), ","))
                .add(this.scopesName, list(identity.scopes(), " "))
                .add(this.deviceName, encode(identity.deviceId()))
                .add(this.keyIdName, encode(identity.keyId()));
        if (identity.userInfo() != null) {
            for (Map.Entry<String, Object> claim : new TreeMap<>(identity.userInfo()).entrySet()) {
                block.add(HeaderName.of(claimHeader(claim.getKey())), claimValue(claim.getValue()));
            }
        }
        return block.build();
    }

    /**
     * Text encoded, numbers and booleans as written, arrays of those with each member encoded and comma-joined in
     * order; objects, and arrays holding anything else, are left out (the assertion carries them).
     */
    private static String claimValue(Object value) {
        if (value instanceof String text) {
            return HeaderValues.encode(text);
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof Collection<?> values) {
            StringJoiner members = new StringJoiner(",");
            for (Object element : values) {
                if (element instanceof String text) {
                    members.add(HeaderValues.encode(text));
                } else if (element instanceof Number || element instanceof Boolean) {
                    members.add(element.toString());
                } else {
                    return null;
                }
            }
            return members.toString();
        }
        return null;
    }

    private static String encode(String value) {
        return (value != null) ? HeaderValues.encode(value) : null;
    }

    /** Members sorted, each encoded (so none holds the separator), joined by the separator. */
    private static String list(Collection<String> values, String separator) {
        if (values.isEmpty()) {
            return null;
        }
        StringJoiner members = new StringJoiner(separator);
        values.stream().sorted().forEach(value -> members.add(HeaderValues.encode(value)));
        return members.toString();
    }
}
