package io.dualcore.gateway.support.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

/**
 * The gateway's one lettuce client and connection. The connection is opened lazily and asynchronously, so a Redis
 * that is down at startup neither blocks nor fails the gateway; lettuce reconnects by itself afterwards.
 */
public final class RedisConnections implements AutoCloseable {

    private final RedisClient client;

    private final Mono<StatefulRedisConnection<String, String>> connection;

    private final Mono<StatefulRedisConnection<byte[], byte[]>> binaryConnection;

    public RedisConnections(RedisProperties properties) {
        Assert.isTrue(properties.configured(), "dualcore.redis.url is not set");
        RedisURI uri = RedisURI.create(properties.url());
        uri.setTimeout(properties.timeout());
        this.client = RedisClient.create(uri);
        this.client.setOptions(ClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(properties.timeout()))
                // while disconnected, fail commands at once instead of queueing them behind a dead Redis
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        this.connection = Mono.fromCompletionStage(() -> this.client.connectAsync(StringCodec.UTF8, uri))
                .cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
        this.binaryConnection = Mono.fromCompletionStage(() -> this.client.connectAsync(ByteArrayCodec.INSTANCE, uri))
                .cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Opens both connections in the background, so the first requests do not pay for connecting. */
    public void warmUp() {
        this.connection.subscribe(connection -> {}, error -> {});
        this.binaryConnection.subscribe(connection -> {}, error -> {});
    }

    /** A shared binary connection (bucket4j's state is bytes). */
    public Mono<StatefulRedisConnection<byte[], byte[]>> binaryConnection() {
        return this.binaryConnection;
    }

    /** The shared connection; an error signal while Redis cannot be reached for the first time. */
    public Mono<StatefulRedisConnection<String, String>> connection() {
        return this.connection;
    }

    @Override
    public void close() {
        this.client.shutdown();
    }
}
