package io.dualcore.gateway.auth.edge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;

/** A replay guard for a single gateway: remembered ids live until their token expires. */
public final class InMemoryReplayGuard implements ReplayGuard {

    private final Cache<String, Instant> seen;

    private final Clock clock;

    public InMemoryReplayGuard(long maximumSize, Clock clock) {
        this.clock = clock;
        this.seen = Caffeine.newBuilder()
                // maintenance on the caller's thread (see VerifiedTokenCache)
                .executor(Runnable::run)
                .maximumSize(maximumSize)
                .expireAfter(new Expiry<String, Instant>() {
                    @Override
                    public long expireAfterCreate(String key, Instant expiresAt, long currentTime) {
                        long millis = expiresAt.toEpochMilli() - InMemoryReplayGuard.this.clock.millis();
                        return TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
                    }

                    @Override
                    public long expireAfterUpdate(String key, Instant value, long currentTime, long duration) {
                        return duration;
                    }

                    @Override
                    public long expireAfterRead(String key, Instant value, long currentTime, long duration) {
                        return duration;
                    }
                })
                .build();
    }

    @Override
    public Mono<Boolean> firstUse(String issuer, String jti, Instant expiresAt) {
        String key = issuer + '\n' + jti;
        return Mono.just(this.seen.asMap().putIfAbsent(key, expiresAt) == null);
    }
}
