package io.dualcore.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.springframework.util.Assert;

/**
 * Remembers verified tokens so a client reusing its token pays for one signature check, not one per request.
 * Entries are keyed by the SHA-256 of the whole token, so no other token can hit an entry; an entry lives no longer
 * than its token's {@code exp}, and is re-checked against its verifier on every hit so that a removed key stops
 * verifying. Each verdict, accepted or refused, remembers the key its verifier held under the token's {@code kid} and
 * stands only while that key is held: a key replaced under the same kid (an edge key removed and re-added, a JWKS
 * that reuses a kid) neither keeps accepting the old key's tokens nor keeps refusing the new key's.
 */
public final class VerifiedTokenCache {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(VerifiedTokenCache::sha256);

    private final Cache<ByteBuffer, Entry> cache;

    /** Tokens refused for a reason that can never change (a bad signature, an expired token, ...). */
    private final Cache<ByteBuffer, Rejection> rejections;

    private final Clock clock;

    public VerifiedTokenCache(long maximumSize, Clock clock) {
        Assert.isTrue(maximumSize > 0, "maximumSize must be positive");
        Assert.notNull(clock, "clock cannot be null");
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                // Caffeine's upkeep (draining its read buffer every few hits, expiry, eviction) runs on the request's
                // thread: a few amortized µs, cheaper than waking a common-pool thread for it every few hits, which on
                // a gateway's busy event loops cost more than the upkeep itself (a profile: ~1.7 µs per request)
                .executor(Runnable::run)
                .maximumSize(maximumSize)
                .expireAfter(new UntilTokenExpiry(clock))
                .build();
        this.rejections = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(Math.max(1, maximumSize / 10))
                .expireAfterWrite(REJECTION_TTL)
                .build();
    }

    /** How long a final rejection is remembered: long enough to make a replayed bad token cheap. */
    private static final java.time.Duration REJECTION_TTL = java.time.Duration.ofMinutes(10);

    /**
     * The cached identity of this exact token, or {@code null} when it must be verified.
     *
     * @throws TokenRejectedException when this exact token was refused before for a reason that cannot change
     */
    public GatewayIdentity lookup(String token) {
        ByteBuffer key = key(token);
        Entry entry = this.cache.getIfPresent(key);
        if (entry == null) {
            Rejection rejection = this.rejections.getIfPresent(key);
            if (rejection != null) {
                if (rejection.stands()) {
                    throw rejection.exception();
                }
                this.rejections.invalidate(key);
            }
            return null;
        }
        if (!entry.trusted(this.clock)) {
            this.cache.invalidate(key);
            return null;
        }
        return entry.identity();
    }

    /**
     * Remembers a final rejection of this exact token before any verifier claimed it (it cannot be parsed, or its
     * issuer is not trusted); the exception has no stack trace and is shared.
     */
    public void reject(String token, TokenRejectedException rejection) {
        reject(token, rejection, null, null, null);
    }

    /**
     * Remembers a final rejection of this exact token by a verifier, while that verifier holds the same key under
     * the token's {@code kid}.
     *
     * @param verifier the verifier that refused the token, or {@code null} when none claimed it
     * @param kid the token's {@code kid}
     * @param heldKey what {@link TokenVerifier#currentKey} answered for that kid before the verification
     */
    public void reject(
            String token, TokenRejectedException rejection, TokenVerifier verifier, String kid, Object heldKey) {
        this.rejections.put(key(token), new Rejection(rejection, verifier, kid, heldKey));
    }

    /** The cached identity of this exact token, or {@code null} when it must be verified. */
    public GatewayIdentity get(String token) {
        Entry entry = this.cache.getIfPresent(key(token));
        if (entry == null) {
            return null;
        }
        if (!entry.trusted(this.clock)) {
            this.cache.invalidate(key(token));
            return null;
        }
        return entry.identity();
    }

    /**
     * Remembers a verified identity until its {@code exp}.
     *
     * @param heldKey what {@link TokenVerifier#currentKey} answered for the identity's kid before the verification
     */
    public void put(String token, GatewayIdentity identity, TokenVerifier verifier, Object heldKey) {
        put(token, identity, verifier, heldKey, identity.expiresAt());
    }

    /**
     * Remembers a verified identity until {@code notAfter} at the latest (never beyond the token's {@code exp}): an
     * identity served without its UserInfo claims is kept only briefly.
     *
     * @param heldKey what {@link TokenVerifier#currentKey} answered for the identity's kid before the verification
     */
    public void put(String token, GatewayIdentity identity, TokenVerifier verifier, Object heldKey, Instant notAfter) {
        Instant until = notAfter.isBefore(identity.expiresAt()) ? notAfter : identity.expiresAt();
        this.cache.put(key(token), new Entry(identity, verifier, heldKey, until));
    }

    public long size() {
        this.cache.cleanUp();
        return this.cache.estimatedSize();
    }

    private static ByteBuffer key(String token) {
        return ByteBuffer.wrap(SHA256.get().digest(token.getBytes(StandardCharsets.US_ASCII)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
        }
    }

    private record Entry(GatewayIdentity identity, TokenVerifier verifier, Object heldKey, Instant notAfter) {

        boolean trusted(Clock clock) {
            return clock.instant().isBefore(this.notAfter)
                    && this.verifier.stillTrusts(this.identity)
                    && this.verifier.holdsKey(this.identity.keyId(), this.heldKey);
        }
    }

    /** A final rejection; one by a verifier stands while the verifier holds the key it was refused with. */
    private record Rejection(TokenRejectedException exception, TokenVerifier verifier, String kid, Object heldKey) {

        boolean stands() {
            return this.verifier == null || this.verifier.holdsKey(this.kid, this.heldKey);
        }
    }

    private static final class UntilTokenExpiry implements Expiry<ByteBuffer, Entry> {

        private final Clock clock;

        UntilTokenExpiry(Clock clock) {
            this.clock = clock;
        }

        @Override
        public long expireAfterCreate(ByteBuffer key, Entry entry, long currentTime) {
            long millis = entry.notAfter().toEpochMilli() - this.clock.millis();
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
        }

        @Override
        public long expireAfterUpdate(ByteBuffer key, Entry entry, long currentTime, long currentDuration) {
            return expireAfterCreate(key, entry, currentTime);
        }

        @Override
        public long expireAfterRead(ByteBuffer key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
