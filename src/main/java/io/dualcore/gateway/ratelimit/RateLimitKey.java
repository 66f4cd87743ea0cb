package io.dualcore.gateway.ratelimit;

import io.dualcore.gateway.auth.GatewayIdentity;
import java.util.Locale;
import org.springframework.web.server.ServerWebExchange;

/**
 * What a plan's buckets are keyed on ({@code dualcore.rate-limit.plans.<name>.key}), always from the verified
 * identity, never from a header the client controls:
 *
 * <ul>
 *   <li>{@code identity} (default): one bucket per caller (issuer and subject, or edge device);
 *   <li>{@code realm}: one bucket per trusted issuer (Keycloak realm, or the edge key ring);
 *   <li>{@code claim:<name>}: one bucket per value of a token claim within its issuer, so a tenant
 *       ({@code claim:tenant_id}) shares one budget across its users. A token without the claim (or with a
 *       non-scalar value) draws from its caller's own bucket.
 * </ul>
 *
 * Anonymous callers are always keyed by the connection's peer address. The identity part of a key is computed once
 * per identity instance.
 */
public final class RateLimitKey {

    /** The default: one bucket per verified caller. */
    public static final RateLimitKey IDENTITY = new RateLimitKey("identity", null);

    private static final String CLAIM_PREFIX = "claim:";

    private final String form;

    private final GatewayIdentity.Derived<String> derived;

    private RateLimitKey(String form, GatewayIdentity.Derived<String> derived) {
        this.form = form;
        this.derived = derived;
    }

    /**
     * Parses a plan's key form.
     *
     * @param property the property, named in errors
     * @param form {@code identity}, {@code realm} or {@code claim:<name>}
     * @throws IllegalStateException naming the property, the problem and the fix
     */
    public static RateLimitKey of(String property, String form) {
        String value = (form != null) ? form.trim() : "";
        if (value.isEmpty() || value.equalsIgnoreCase("identity")) {
            return IDENTITY;
        }
        if (value.equalsIgnoreCase("realm")) {
            return new RateLimitKey(
                    "realm",
                    GatewayIdentity.Derived.of(identity -> identity.mode().name() + "-realm|"
                            + ((identity.realm() != null) ? identity.realm() : identity.issuer())));
        }
        if (value.toLowerCase(Locale.ROOT).startsWith(CLAIM_PREFIX)) {
            String claim = value.substring(CLAIM_PREFIX.length()).trim();
            if (claim.isEmpty()) {
                throw new IllegalStateException(property + ": '" + form + "' names no claim; use claim:<name>, for"
                        + " example claim:tenant_id");
            }
            return new RateLimitKey(
                    CLAIM_PREFIX + claim, GatewayIdentity.Derived.of(identity -> claimKey(identity, claim)));
        }
        throw new IllegalStateException(property + ": unknown key '" + form + "'; use identity, realm or"
                + " claim:<name> (keys come from the verified identity only, never from a request header)");
    }

    private static String claimKey(GatewayIdentity identity, String claim) {
        Object value = identity.claims().get(claim);
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            // length-prefixed so that no claim value can forge another issuer's or claim's key
            String issuer = identity.issuer();
            String text = value.toString();
            return identity.mode().name() + "-claim|" + issuer.length() + ":" + issuer + "|" + claim.length() + ":"
                    + claim + "|" + text;
        }
        return RateLimitKeys.of(identity, null);
    }

    /** The bucket key's caller part, or {@code null} when an anonymous caller's peer address is unknown. */
    public String of(GatewayIdentity identity, ServerWebExchange exchange) {
        if (identity == null || this.derived == null) {
            return RateLimitKeys.of(identity, exchange);
        }
        return identity.derived(this.derived);
    }

    @Override
    public String toString() {
        return this.form;
    }
}
