package io.dualcore.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
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
 *
 * <p>The key is the token's SHA-256 held as four {@code long}s ({@link TokenKey}), computed without copying the token
 * (its characters go into a per-thread buffer). SHA-256 and not a cheaper hash: a hit hands out the identity of
 * another request, so two tokens must never share a key, including tokens an attacker chooses (refused tokens are
 * remembered too). SHA-256 makes that a second-preimage or collision search (2^128 work and more); a keyed 64-bit
 * hash such as SipHash-2-4 would leave a 2^-64 chance per forged token per cached entry, and confirming a hit would
 * need the token itself in the entry (every live bearer token kept in the heap, and in any heap dump) or its SHA-256
 * again. With the SHA extensions modern x86 and ARM CPUs have (the JVM's intrinsic uses them), SHA-256 of a
 * 1 KiB token is a few hundred nanoseconds (bench/README.md, {@code HotPathStepsBenchmark}).
 */
public final class VerifiedTokenCache {

    private static final ThreadLocal<KeyDigest> DIGEST = ThreadLocal.withInitial(KeyDigest::new);

    private final Cache<TokenKey, Entry> cache;

    /** Tokens refused for a reason that can never change (a bad signature, an expired token, ...). */
    private final Cache<TokenKey, Rejection> rejections;

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
        return lookup(token, null);
    }

    /**
     * The cached identity of this exact token, or {@code null} when it must be verified, judged against the verifiers
     * a configuration trusts: an entry of a verifier that {@code chain} no longer holds (its issuer removed, or its
     * settings changed) answers nothing, and a refusal before any verifier claimed the token stands only under the
     * chain it was reached with (an issuer added since may claim it).
     *
     * @param chain the verifiers of the configuration the request runs on, or {@code null} not to judge them
     * @throws TokenRejectedException when this exact token was refused before for a reason that cannot change
     */
    public GatewayIdentity lookup(String token, VerifierChain chain) {
        TokenKey key = key(token);
        Entry entry = this.cache.getIfPresent(key);
        if (entry == null) {
            Rejection rejection = this.rejections.getIfPresent(key);
            if (rejection != null) {
                if (rejection.stands(chain)) {
                    throw rejection.exception();
                }
                this.rejections.invalidate(key);
            }
            return null;
        }
        if (!entry.trusted(this.clock, chain)) {
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
        reject(token, rejection, (VerifierChain) null);
    }

    /**
     * Remembers a final rejection of this exact token before any verifier of {@code chain} claimed it: it stands while
     * that chain is the one a request runs on.
     */
    public void reject(String token, TokenRejectedException rejection, VerifierChain chain) {
        this.rejections.put(key(token), new Rejection(rejection, null, null, null, chain));
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
        this.rejections.put(key(token), new Rejection(rejection, verifier, kid, heldKey, null));
    }

    /** The cached identity of this exact token, or {@code null} when it must be verified. */
    public GatewayIdentity get(String token) {
        TokenKey key = key(token);
        Entry entry = this.cache.getIfPresent(key);
        if (entry == null) {
            return null;
        }
        if (!entry.trusted(this.clock, null)) {
            this.cache.invalidate(key);
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

    private static TokenKey key(String token) {
        return DIGEST.get().key(token);
    }

    /**
     * The SHA-256 of a token, the cache's key: 32 bytes as four {@code long}s, compared whole. {@code Comparable}, so
     * that even keys sharing a hash bucket on purpose stay a balanced tree in the cache's map, not a list.
     */
    record TokenKey(long a, long b, long c, long d) implements Comparable<TokenKey> {

        @Override
        public int hashCode() {
            return Long.hashCode(this.a);
        }

        @Override
        public int compareTo(TokenKey other) {
            int order = Long.compare(this.a, other.a);
            if (order == 0) {
                order = Long.compare(this.b, other.b);
            }
            if (order == 0) {
                order = Long.compare(this.c, other.c);
            }
            return (order != 0) ? order : Long.compare(this.d, other.d);
        }
    }

    /** One thread's digest and buffers: a key costs the digest and one small object, no copy of the token. */
    private static final class KeyDigest {

        private final MessageDigest sha256 = sha256();

        private final byte[] out = new byte[32];

        private byte[] in = new byte[2048];

        TokenKey key(String token) {
            int length = token.length();
            if (length > this.in.length) {
                this.in = new byte[Math.max(length, this.in.length * 2)];
            }
            byte[] bytes = this.in;
            for (int i = 0; i < length; i++) {
                char c = token.charAt(i);
                if (c > 0x7f) {
                    // never reached from the bearer extractor (RFC 6750 b64token is ASCII); UTF-8 keeps keys distinct
                    bytes = token.getBytes(StandardCharsets.UTF_8);
                    length = bytes.length;
                    break;
                }
                bytes[i] = (byte) c;
            }
            this.sha256.update(bytes, 0, length);
            try {
                this.sha256.digest(this.out, 0, this.out.length);
            } catch (DigestException ex) {
                throw new IllegalStateException("SHA-256 gives 32 bytes", ex);
            }
            byte[] h = this.out;
            return new TokenKey(
                    (long) LONGS.get(h, 0), (long) LONGS.get(h, 8), (long) LONGS.get(h, 16), (long) LONGS.get(h, 24));
        }

        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
        }
    }

    private record Entry(GatewayIdentity identity, TokenVerifier verifier, Object heldKey, Instant notAfter) {

        boolean trusted(Clock clock, VerifierChain chain) {
            // millis, not an Instant: no allocation on a hit (notAfter comes from exp, whole seconds)
            return clock.millis() < this.notAfter.toEpochMilli()
                    && (chain == null || chain.holds(this.verifier))
                    && this.verifier.stillTrusts(this.identity)
                    && this.verifier.holdsKey(this.identity.keyId(), this.heldKey);
        }
    }

    /**
     * A final rejection; one by a verifier stands while the request's chain holds that verifier and the verifier holds
     * the key it was refused with; one before any verifier claimed the token, while the request's chain is the one it
     * was reached with (when that was known).
     */
    private record Rejection(
            TokenRejectedException exception, TokenVerifier verifier, String kid, Object heldKey, VerifierChain chain) {

        boolean stands(VerifierChain current) {
            if (this.verifier == null) {
                return this.chain == null || current == null || this.chain == current;
            }
            return (current == null || current.holds(this.verifier)) && this.verifier.holdsKey(this.kid, this.heldKey);
        }
    }

    private static final class UntilTokenExpiry implements Expiry<TokenKey, Entry> {

        private final Clock clock;

        UntilTokenExpiry(Clock clock) {
            this.clock = clock;
        }

        @Override
        public long expireAfterCreate(TokenKey key, Entry entry, long currentTime) {
            long millis = entry.notAfter().toEpochMilli() - this.clock.millis();
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
        }

        @Override
        public long expireAfterUpdate(TokenKey key, Entry entry, long currentTime, long currentDuration) {
            return expireAfterCreate(key, entry, currentTime);
        }

        @Override
        public long expireAfterRead(TokenKey key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
