package io.dualcore.gateway.support.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisHashReactiveCommands;
import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
import io.lettuce.core.api.reactive.RedisStringReactiveCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.springframework.util.Assert;
import reactor.core.publisher.Mono;

/**
 * The gateway's one lettuce client and its connections, to a standalone (or Sentinel-managed) Redis or to a Redis
 * Cluster. Connections are opened lazily and asynchronously, so a Redis that is down at startup neither blocks nor
 * fails the gateway; lettuce reconnects by itself afterwards, and a cluster client follows the topology (MOVED/ASK
 * redirects, failed masters, periodic refresh).
 */
public final class RedisConnections implements AutoCloseable {

    private final AbstractRedisClient client;

    private final boolean clustered;

    private final Mono<StatefulConnection<String, String>> connection;

    private final Mono<StatefulConnection<byte[], byte[]>> binaryConnection;

    /** What the binary connection (the rate limiter's) has shown so far. */
    private final ConnectionState binaryState = new ConnectionState();

    /**
     * What is known of Redis without sending a command: {@code UNKNOWN} until the first connection attempt ends,
     * then {@code UP} while a connection is open and {@code UNREACHABLE} while none is (the attempt failed, or lettuce
     * lost the connection and is reconnecting).
     */
    public enum Reachability {
        UNKNOWN,
        UP,
        UNREACHABLE
    }

    public RedisConnections(RedisProperties properties) {
        Assert.isTrue(properties.configured(), "dualcore.redis.url is not set");
        this.clustered = properties.clustered();
        if (this.clustered) {
            RedisClusterClient cluster = RedisClusterClient.create(seedNodes(properties));
            cluster.setOptions(clusterOptions(properties));
            this.client = cluster;
            // lettuce's async cluster connect needs the topology first; loading it asynchronously keeps startup
            // and requests from blocking on an unreachable cluster
            this.connection = cached(() ->
                    cluster.refreshPartitionsAsync().thenCompose(loaded -> cluster.connectAsync(StringCodec.UTF8)));
            this.binaryConnection = cached(
                    () -> cluster.refreshPartitionsAsync()
                            .thenCompose(loaded -> cluster.connectAsync(ByteArrayCodec.INSTANCE)),
                    this.binaryState);
        } else {
            RedisURI uri = RedisURI.create(properties.url().trim());
            uri.setTimeout(properties.timeout());
            RedisClient standalone = RedisClient.create(uri);
            standalone.setOptions(ClientOptions.builder()
                    .timeoutOptions(TimeoutOptions.enabled(properties.timeout()))
                    // while disconnected, fail commands at once instead of queueing them behind a dead Redis
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            this.client = standalone;
            this.connection = cached(() -> standalone.connectAsync(StringCodec.UTF8, uri));
            this.binaryConnection =
                    cached(() -> standalone.connectAsync(ByteArrayCodec.INSTANCE, uri), this.binaryState);
        }
    }

    private static ClusterClientOptions clusterOptions(RedisProperties properties) {
        RedisProperties.Cluster cluster = properties.cluster();
        return ClusterClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(properties.timeout()))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(cluster.topologyRefreshPeriod())
                        // MOVED/ASK redirects and a node that keeps failing to reconnect (a dead master whose
                        // replica took over) re-read the topology at once instead of waiting for the period
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(cluster.adaptiveRefreshTimeout())
                        .refreshTriggersReconnectAttempts(2)
                        .closeStaleConnections(true)
                        .build())
                .build();
    }

    /** The cluster's seed nodes, from {@code cluster.nodes} or a {@code redis+cluster://} URL. */
    static List<RedisURI> seedNodes(RedisProperties properties) {
        List<String> nodes = properties.cluster().nodes();
        boolean hasUrl = properties.url() != null && !properties.url().isBlank();
        if (!nodes.isEmpty() && hasUrl) {
            throw new IllegalStateException("dualcore.redis.url and dualcore.redis.cluster.nodes are both set; use"
                    + " one: a redis+cluster://host:port,host:port URL or a list of redis:// seed nodes");
        }
        List<RedisURI> uris = new ArrayList<>();
        if (!nodes.isEmpty()) {
            for (int i = 0; i < nodes.size(); i++) {
                uris.add(parse(nodes.get(i), "dualcore.redis.cluster.nodes[" + i + "]", properties.timeout()));
            }
            return uris;
        }
        String url = properties.url().trim();
        int schemeEnd = url.indexOf("://");
        String scheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT).replace("+cluster", "");
        String rest = url.substring(schemeEnd + 3);
        int pathStart = indexOfAny(rest, "/?");
        String authority = pathStart < 0 ? rest : rest.substring(0, pathStart);
        String path = pathStart < 0 ? "" : rest.substring(pathStart);
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? "" : authority.substring(0, at + 1);
        for (String host : authority.substring(at + 1).split(",")) {
            if (host.isBlank()) {
                throw new IllegalStateException(
                        "dualcore.redis.url: empty seed node in the redis+cluster:// host list; list them as"
                                + " host:port,host:port");
            }
            uris.add(parse(scheme + "://" + userInfo + host.trim() + path, "dualcore.redis.url", properties.timeout()));
        }
        return uris;
    }

    private static RedisURI parse(String value, String property, Duration timeout) {
        try {
            RedisURI uri = RedisURI.create(value);
            uri.setTimeout(timeout);
            return uri;
        } catch (IllegalArgumentException ex) {
            // the value may hold a password: name the property, never echo the value
            throw new IllegalStateException(property + " is not a valid redis:// or rediss:// URI ("
                    + ex.getClass().getSimpleName() + "); expected redis://[user:password@]host:port");
        }
    }

    private static int indexOfAny(String value, String characters) {
        for (int i = 0; i < value.length(); i++) {
            if (characters.indexOf(value.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static <K, V> Mono<StatefulConnection<K, V>> cached(
            Supplier<? extends CompletionStage<? extends StatefulConnection<K, V>>> connect) {
        return cached(connect, new ConnectionState());
    }

    /** The connection, opened once and shared; each attempt's outcome (not each subscriber) recorded in state. */
    private static <K, V> Mono<StatefulConnection<K, V>> cached(
            Supplier<? extends CompletionStage<? extends StatefulConnection<K, V>>> connect, ConnectionState state) {
        return Mono.<StatefulConnection<K, V>>fromCompletionStage(
                        () -> connect.get().thenApply(c -> c))
                .doOnNext(opened -> {
                    state.connection = opened;
                    state.failed = false;
                })
                .doOnError(error -> state.failed = true)
                .cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /**
     * What is known of Redis without sending a command (see {@link Reachability}). While no connection could be
     * opened, each call starts a new attempt in the background (lettuce reconnects an opened connection by itself),
     * so a Redis that comes up is noticed by the next health check even without traffic.
     */
    public Reachability reachability() {
        StatefulConnection<?, ?> connection = this.binaryState.connection;
        if (connection != null) {
            return connection.isOpen() ? Reachability.UP : Reachability.UNREACHABLE;
        }
        if (this.binaryState.failed) {
            this.binaryConnection.subscribe(opened -> {}, error -> {});
            return Reachability.UNREACHABLE;
        }
        return Reachability.UNKNOWN;
    }

    /** Opens both connections in the background, so the first requests do not pay for connecting. */
    public void warmUp() {
        this.connection.subscribe(connection -> {}, error -> {});
        this.binaryConnection.subscribe(connection -> {}, error -> {});
    }

    /** Whether this is a Redis Cluster client. */
    public boolean clustered() {
        return this.clustered;
    }

    /**
     * A shared binary connection (bucket4j's state is bytes): a {@link StatefulRedisConnection} or, for a cluster, a
     * {@link StatefulRedisClusterConnection}.
     */
    public Mono<StatefulConnection<byte[], byte[]>> binaryConnection() {
        return this.binaryConnection;
    }

    /** String commands on the shared connection; an error signal while Redis cannot be reached for the first time. */
    public Mono<RedisStringReactiveCommands<String, String>> strings() {
        return this.connection.map(RedisConnections::reactive);
    }

    /** Hash commands on the shared connection; an error signal while Redis cannot be reached for the first time. */
    public Mono<RedisHashReactiveCommands<String, String>> hashes() {
        return this.connection.map(RedisConnections::reactive);
    }

    /** Lua scripts on the shared connection (in a cluster, every key of one script must hash to one slot). */
    public Mono<RedisScriptingReactiveCommands<String, String>> scripting() {
        return this.connection.map(RedisConnections::reactive);
    }

    /** The reactive command set of either connection kind; both implement every command interface. */
    @SuppressWarnings("unchecked")
    private static <T> T reactive(StatefulConnection<String, String> connection) {
        if (connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
            return (T) cluster.reactive();
        }
        return (T) ((StatefulRedisConnection<String, String>) connection).reactive();
    }

    @Override
    public void close() {
        this.client.shutdown();
    }

    /** The outcome of a connection's attempts: the connection once opened, and whether the last attempt failed. */
    private static final class ConnectionState {

        volatile StatefulConnection<?, ?> connection;

        volatile boolean failed;
    }
}
