package io.dualcore.gateway.auth.revocation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Revocation settings: the check every identity passes, the in-memory list's bound, back-channel logout and the
 * sharing of revocations between instances (through Redis when {@code dualcore.redis} is configured).
 *
 * @param enabled whether identities are checked against revocations (off: nothing is ever refused as revoked, and
 *     the back-channel logout and admin endpoints are not served)
 * @param maximumSize most revocations held (in memory here, and in the shared store); a revocation beyond it is
 *     refused ({@code 429 revocation_limit_reached}), never one evicted
 * @param tokenLifetime how long a back-channel logout's revocations last: at least the longest access-token
 *     lifetime of the realms (Keycloak's "Access Token Lifespan"), after which the revoked tokens have expired anyway
 * @param defaultTtl how long an admin revocation lasts when it names no {@code until} or {@code ttl}
 * @param maxTtl the longest an admin revocation may last
 * @param backchannelLogout the OIDC Back-Channel Logout receiver on the management port
 * @param sync sharing between instances through Redis
 */
@ConfigurationProperties("dualcore.revocation")
public record RevocationProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("100000") int maximumSize,
        @DefaultValue("1h") Duration tokenLifetime,
        @DefaultValue("24h") Duration defaultTtl,
        @DefaultValue("365d") Duration maxTtl,
        @DefaultValue BackchannelLogout backchannelLogout,
        @DefaultValue Sync sync) {

    /**
     * OIDC Back-Channel Logout 1.0 receiver: {@code POST /backchannel-logout/{realm}} on the management port.
     *
     * @param enabled whether the receiver is served
     * @param clients by realm (the issuer's {@code name}), the client ids a logout token's {@code aud} must name one
     *     of; a realm not listed accepts its {@code authorized-parties} and {@code audiences}
     * @param maxAge how old a logout token's {@code iat} may be (the clock skew of {@code dualcore.auth} applies on
     *     top, also to an {@code iat} in the future); also how long its {@code jti} is remembered against replays
     * @param maxBodySize largest request body accepted, in bytes
     * @param scope what a logout token naming both a session and a subject takes back: {@code subject} (every token
     *     of the subject issued up to the logout, whatever its session) or {@code session} (that session's tokens only)
     */
    public record BackchannelLogout(
            @DefaultValue("true") boolean enabled,
            @DefaultValue Map<String, List<String>> clients,
            @DefaultValue("5m") Duration maxAge,
            @DefaultValue("16384") int maxBodySize,
            @DefaultValue("subject") LogoutScope scope) {}

    /**
     * What a logout token with both {@code sid} and {@code sub} takes back. The specification's reading is
     * {@link #SESSION}; {@link #SUBJECT} is the default because Keycloak (26.x, keycloak/keycloak#22914) logs a user
     * with several sessions out of all of them ("Sign out", admin {@code POST /users/{id}/logout}, "sign out from other
     * devices") with one logout token per client naming one arbitrary session: read as {@code SESSION}, the user's
     * other sessions' access tokens would keep working until they expire. {@code SUBJECT} costs the user's other,
     * still-live sessions one token refresh (their next access token is issued after the logout).
     */
    public enum LogoutScope {
        /** Every token of the subject issued up to the logout, and the named session's tokens. */
        SUBJECT,
        /** The named session's tokens only (and the subject's tokens that name no session, issued up to the logout). */
        SESSION
    }

    /**
     * Sharing through Redis: each change is written to a Redis hash at once, and every instance polls a version
     * number and reloads the hash when it changed (and every {@code resync} anyway).
     *
     * @param interval how often the version is polled: the propagation bound is about this plus a Redis round trip
     * @param resync how often the whole shared list is reloaded even when the version did not change
     * @param timeout how long each step of a poll may take (writing what is pending here, reading the version,
     *     reading the hash); longer than {@code dualcore.redis.timeout}, which bounds what a request waits for, since
     *     a poll runs off the request path and may move the whole list (up to {@code maximum-size} entries)
     */
    public record Sync(
            @DefaultValue("1s") Duration interval,
            @DefaultValue("30s") Duration resync,
            @DefaultValue("1s") Duration timeout) {}
}
