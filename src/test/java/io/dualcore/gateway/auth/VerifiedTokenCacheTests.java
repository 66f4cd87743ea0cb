package io.dualcore.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class VerifiedTokenCacheTests {

    private final VerifiedTokenCache cache = new VerifiedTokenCache(100, Clock.systemUTC());

    private final GatewayIdentity identity = new GatewayIdentity(
            OidcVerificationMode.MODE,
            "https://idp.test/realms/a",
            "a",
            "user-1",
            "web-app",
            Set.of("user"),
            Set.of("openid"),
            null,
            null,
            Instant.now().plus(1, ChronoUnit.HOURS),
            Map.of());

    @Test
    void lookupWhenSameTokenThenCachedIdentity() {
        this.cache.put("header.payload.signature", this.identity, TRUSTING, null);

        assertThat(this.cache.lookup("header.payload.signature")).isSameAs(this.identity);
        assertThat(this.cache.get("header.payload.signature")).isSameAs(this.identity);
    }

    @Test
    void lookupWhenTokenDiffersInItsLastCharacterThenNoHit() {
        this.cache.put("header.payload.signature", this.identity, TRUSTING, null);

        assertThat(this.cache.lookup("header.payload.signaturf")).isNull();
        assertThat(this.cache.lookup("header.payload.signatur")).isNull();
    }

    /** The key covers the whole token, however long (the per-thread buffer grows). */
    @Test
    void lookupWhenLongTokensDifferOnlyAtTheEndThenNoHit() {
        String prefix = "a".repeat(10_000);
        this.cache.put(prefix + "x", this.identity, TRUSTING, null);

        assertThat(this.cache.lookup(prefix + "x")).isSameAs(this.identity);
        assertThat(this.cache.lookup(prefix + "y")).isNull();
    }

    /**
     * Keys are exact even for characters no bearer token may hold: two tokens differing only in non-ASCII characters
     * must not share an entry (an ASCII encoding would turn both into {@code ?}).
     */
    @Test
    void lookupWhenTokensDifferOnlyInNonAsciiCharactersThenNoHit() {
        this.cache.put("header.payload.sig\u00e9", this.identity, TRUSTING, null);

        assertThat(this.cache.lookup("header.payload.sig\u00e8")).isNull();
        assertThat(this.cache.lookup("header.payload.sig?")).isNull();
        assertThat(this.cache.lookup("header.payload.sig\u00e9")).isSameAs(this.identity);
    }

    @Test
    void tokenKeyWhenSameHashBucketThenStillDistinctAndOrdered() {
        VerifiedTokenCache.TokenKey one = new VerifiedTokenCache.TokenKey(7, 1, 2, 3);
        VerifiedTokenCache.TokenKey other = new VerifiedTokenCache.TokenKey(7, 1, 2, 4);

        assertThat(one.hashCode()).isEqualTo(other.hashCode());
        assertThat(one).isNotEqualTo(other);
        assertThat(one.compareTo(other)).isNegative();
        assertThat(other.compareTo(one)).isPositive();
        assertThat(one.compareTo(new VerifiedTokenCache.TokenKey(7, 1, 2, 3))).isZero();
    }

    private static final TokenVerifier TRUSTING = new TokenVerifier() {

        @Override
        public String issuer() {
            return "https://idp.test/realms/a";
        }

        @Override
        public String name() {
            return "a";
        }

        @Override
        public Mono<GatewayIdentity> verify(ParsedToken token) {
            return Mono.empty();
        }

        @Override
        public boolean stillTrusts(GatewayIdentity identity) {
            return true;
        }
    };
}
