package io.dualcore.gateway.auth.edge;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import reactor.core.publisher.Mono;

/**
 * A replay guard shared by every gateway on one Redis: {@code SET key 1 NX PX <ms until exp>}. Redis answering
 * {@code OK} means first use. Runs on lettuce's reactive API, never blocking the event loop.
 */
public final class RedisReplayGuard implements ReplayGuard {

    private static final String PREFIX = "dualcore:jti:";

    private final Mono<StatefulRedisConnection<String, String>> connection;

    private final Clock clock;

    private final Duration timeout;

    public RedisReplayGuard(Mono<StatefulRedisConnection<String, String>> connection, Clock clock, Duration timeout) {
        this.connection = connection;
        this.clock = clock;
        this.timeout = timeout;
    }

    @Override
    public Mono<Boolean> firstUse(String issuer, String jti, Instant expiresAt) {
        long ttl = Math.max(1, expiresAt.toEpochMilli() - this.clock.millis());
        String key = PREFIX + digest(issuer, jti);
        return this.connection
                .flatMap(redis ->
                        redis.reactive().set(key, "1", SetArgs.Builder.nx().px(ttl)))
                .map("OK"::equals)
                .defaultIfEmpty(false)
                .timeout(this.timeout);
    }

    private static String digest(String issuer, String jti) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(issuer.getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
            return HexFormat.of().formatHex(sha256.digest(jti.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
