package io.dualcore.gateway.auth;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * The verified identity behind a request: what downstream filters, policies and upstream headers rely on. Immutable;
 * values derived from it (identity header values, rate-limit keys, assertions) are computed once per instance and
 * memoized on it through {@link #derived(Derived)}, so a token served from the verified-token cache pays for them
 * once, not per request.
 *
 * <p>Constructing one checks every value that becomes an identity header ({@link ClaimValues}): a value the
 * gateway cannot hand over exactly is refused here as 401 {@code invalid_claim}, never later on the way upstream.
 */
public final class GatewayIdentity {

    /** Exchange attribute under which the verified identity is stored. */
    public static final String ATTRIBUTE = GatewayIdentity.class.getName();

    private final Mode mode;

    private final String issuer;

    private final String realm;

    private final String subject;

    private final String clientId;

    private final Set<String> roles;

    private final Set<String> scopes;

    private final String deviceId;

    private final String keyId;

    private final Instant expiresAt;

    private final Map<String, Object> claims;

    /** The claims copied from the issuer's UserInfo endpoint, or {@code null} when not enriched. */
    private final Map<String, Object> userInfo;

    /** Memoized derived values by {@link Derived#index}; copy-on-write, races only compute a value twice. */
    private volatile Object[] derived = new Object[0];

    /**
     * @param mode how the token was verified
     * @param issuer the token's {@code iss}
     * @param realm the trusted issuer's configured name (the Keycloak realm, or the edge key ring)
     * @param subject the token's {@code sub}
     * @param clientId the OAuth client ({@code azp}) for OIDC tokens, else {@code null}
     * @param roles realm roles, and client roles as {@code client:role}
     * @param scopes the token's scopes
     * @param deviceId the edge device or service ({@code device_id}, else {@code sub}) for edge tokens
     * @param keyId the {@code kid} of the key that verified the signature
     * @param expiresAt the token's {@code exp}
     * @param claims every claim of the token
     */
    public GatewayIdentity(
            Mode mode,
            String issuer,
            String realm,
            String subject,
            String clientId,
            Set<String> roles,
            Set<String> scopes,
            String deviceId,
            String keyId,
            Instant expiresAt,
            Map<String, Object> claims) {
        this(mode, issuer, realm, subject, clientId, roles, scopes, deviceId, keyId, expiresAt, claims, null);
    }

    private GatewayIdentity(
            Mode mode,
            String issuer,
            String realm,
            String subject,
            String clientId,
            Set<String> roles,
            Set<String> scopes,
            String deviceId,
            String keyId,
            Instant expiresAt,
            Map<String, Object> claims,
            Map<String, Object> userInfo) {
        Assert.notNull(mode, "mode cannot be null");
        Assert.hasText(issuer, "issuer cannot be empty");
        Assert.hasLength(subject, "subject cannot be empty");
        Assert.notNull(expiresAt, "expiresAt cannot be null");
        // every value that becomes an identity header is checked before the identity exists (401 invalid_claim)
        ClaimValues.text("sub", subject);
        ClaimValues.text("azp", clientId);
        ClaimValues.text("device_id", deviceId);
        ClaimValues.text("kid", keyId);
        ClaimValues.list("roles", roles);
        ClaimValues.list("scope", scopes);
        if (userInfo != null) {
            ClaimValues.userInfo(userInfo);
        }
        this.mode = mode;
        this.issuer = issuer;
        this.realm = realm;
        this.subject = subject;
        this.clientId = clientId;
        this.roles = Set.copyOf(roles);
        this.scopes = Set.copyOf(scopes);
        this.deviceId = deviceId;
        this.keyId = keyId;
        this.expiresAt = expiresAt;
        this.claims = Map.copyOf(claims);
        this.userInfo = (userInfo != null) ? Map.copyOf(userInfo) : null;
    }

    /**
     * This identity completed with claims from the issuer's UserInfo endpoint: they are listed by {@link #userInfo()}
     * and also appear in {@link #claims()}, where a UserInfo value replaces the token's value of the same name
     * (UserInfo is the IdP's current answer; registered claims such as {@code sub} are never copied).
     *
     * @param userInfo the copied UserInfo claims (may be empty: UserInfo answered without them)
     */
    public GatewayIdentity withUserInfo(Map<String, Object> userInfo) {
        Assert.notNull(userInfo, "userInfo cannot be null");
        Map<String, Object> merged = new HashMap<>(this.claims);
        merged.putAll(userInfo);
        return new GatewayIdentity(
                this.mode,
                this.issuer,
                this.realm,
                this.subject,
                this.clientId,
                this.roles,
                this.scopes,
                this.deviceId,
                this.keyId,
                this.expiresAt,
                merged,
                userInfo);
    }

    /** The identity verified for this exchange, or {@code null} when the request is anonymous. */
    public static GatewayIdentity from(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    public Mode mode() {
        return this.mode;
    }

    public String issuer() {
        return this.issuer;
    }

    public String realm() {
        return this.realm;
    }

    public String subject() {
        return this.subject;
    }

    public String clientId() {
        return this.clientId;
    }

    public Set<String> roles() {
        return this.roles;
    }

    public Set<String> scopes() {
        return this.scopes;
    }

    public String deviceId() {
        return this.deviceId;
    }

    public String keyId() {
        return this.keyId;
    }

    public Instant expiresAt() {
        return this.expiresAt;
    }

    /** Every claim of the token, completed with the UserInfo claims when the identity was enriched. */
    public Map<String, Object> claims() {
        return this.claims;
    }

    /**
     * The claims copied from the issuer's UserInfo endpoint ({@code dualcore.auth.oidc.issuers[].userinfo.claims}),
     * or {@code null} when the identity was not enriched (enrichment off, or UserInfo unavailable under the
     * {@code continue} failure policy).
     */
    public Map<String, Object> userInfo() {
        return this.userInfo;
    }

    /**
     * A value derived from this identity, computed on first use and memoized on this instance.
     *
     * @param kind what to derive; a kind is a constant, created once
     */
    @SuppressWarnings("unchecked")
    public <T> T derived(Derived<T> kind) {
        Object[] values = this.derived;
        if (kind.index < values.length && values[kind.index] != null) {
            return (T) values[kind.index];
        }
        T value = kind.compute.apply(this);
        Assert.notNull(value, "a derived value cannot be null");
        synchronized (this) {
            Object[] current = this.derived;
            Object[] copy = Arrays.copyOf(current, Math.max(current.length, kind.index + 1));
            if (copy[kind.index] == null) {
                copy[kind.index] = value;
            }
            this.derived = copy;
            return (T) copy[kind.index];
        }
    }

    @Override
    public boolean equals(Object other) {
        return this == other
                || (other instanceof GatewayIdentity that
                        && this.mode == that.mode
                        && this.issuer.equals(that.issuer)
                        && Objects.equals(this.realm, that.realm)
                        && this.subject.equals(that.subject)
                        && Objects.equals(this.clientId, that.clientId)
                        && this.roles.equals(that.roles)
                        && this.scopes.equals(that.scopes)
                        && Objects.equals(this.deviceId, that.deviceId)
                        && Objects.equals(this.keyId, that.keyId)
                        && this.expiresAt.equals(that.expiresAt)
                        && this.claims.equals(that.claims)
                        && Objects.equals(this.userInfo, that.userInfo));
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.mode, this.issuer, this.subject, this.keyId, this.expiresAt);
    }

    @Override
    public String toString() {
        return "GatewayIdentity[mode=" + this.mode.name() + ", realm=" + this.realm + ", subject=" + this.subject
                + ", client=" + this.clientId + ", kid=" + this.keyId + "]";
    }

    /**
     * A kind of value derived from an identity (its upstream header values, its rate-limit key, ...), memoized per
     * identity instance. Create each kind once, as a constant.
     *
     * @param <T> the derived value's type
     */
    public static final class Derived<T> {

        private static final AtomicInteger NEXT = new AtomicInteger();

        private final int index = NEXT.getAndIncrement();

        private final Function<GatewayIdentity, T> compute;

        private Derived(Function<GatewayIdentity, T> compute) {
            this.compute = compute;
        }

        /** A new kind of derived value; {@code compute} must be a pure function of the identity, never null. */
        public static <T> Derived<T> of(Function<GatewayIdentity, T> compute) {
            Assert.notNull(compute, "compute cannot be null");
            return new Derived<>(compute);
        }
    }
}
