package io.dualcore.gateway.testsupport.redis;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A real Redis Cluster on loopback: {@code masters} masters with one replica each, every node a {@code redis-server}
 * with {@code cluster-enabled yes}, from the same binary {@link RedisServerFixture} uses (the PATH's, else the one
 * shipped in the embedded-redis jar).
 *
 * <p>The cluster is joined with the cluster commands themselves ({@code CLUSTER MEET}, {@code ADDSLOTS},
 * {@code REPLICATE}) rather than {@code redis-cli --cluster create}: the embedded-redis jar ships no
 * {@code redis-cli}, and one way of creating the cluster keeps CI and developer machines alike.
 */
public final class RedisClusterFixture implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration READY = Duration.ofSeconds(30);
    /** Short, so that a killed master's replica is promoted within a few seconds. */
    private static final int NODE_TIMEOUT_MILLIS = 1_000;

    private final Path executable;

    private final Path workDir;

    private final List<Node> nodes = new ArrayList<>();

    private final Thread shutdownHook = new Thread(this::killAll);

    /** One client for every admin connection: each client owns event-loop threads. */
    private final RedisClient admin = RedisClient.create();

    private RedisClusterFixture(Path executable, Path workDir) {
        this.executable = executable;
        this.workDir = workDir;
    }

    /** Starts {@code masters} masters and as many replicas, joins them and waits until the cluster is ok. */
    public static RedisClusterFixture start(int masters) {
        Path workDir =
                Path.of(System.getProperty("redis.workdir", "target/redis")).toAbsolutePath();
        RedisClusterFixture cluster = new RedisClusterFixture(RedisServerFixture.executable(workDir), workDir);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            for (int i = 0; i < 2 * masters; i++) {
                cluster.nodes.add(cluster.launch());
            }
            cluster.join(masters);
            return cluster;
        } catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    /**
     * Seed-node URL for the gateway, e.g. {@code redis+cluster://127.0.0.1:7000,127.0.0.1:7001}; only the first
     * masters are named, the client discovers the rest.
     */
    public String url() {
        return "redis+cluster://"
                + this.nodes.stream()
                        .filter(Node::alive)
                        .limit(3)
                        .map(node -> HOST + ":" + node.port)
                        .collect(Collectors.joining(","));
    }

    /** The hash slot of a key (honouring a {@code {hash tag}}). */
    public static int slot(String key) {
        return SlotHash.getSlot(key);
    }

    /** Port of the live master currently serving {@code slot}. */
    public int masterPortFor(int slot) {
        for (Node node : liveNodes()) {
            String nodes = node.commands(RedisCommands::clusterNodes);
            for (String line : nodes.split("\n")) {
                String[] fields = line.trim().split(" ");
                if (fields.length < 9 || !fields[2].contains("master") || fields[2].contains("fail")) {
                    continue;
                }
                for (int i = 8; i < fields.length; i++) {
                    String[] range = fields[i].split("-");
                    if (range[0].startsWith("[")) {
                        continue;
                    }
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    if (slot >= from && slot <= to) {
                        return Integer.parseInt(
                                fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
                    }
                }
            }
            throw new IllegalStateException("No master serves slot " + slot + " according to node " + node.port);
        }
        throw new IllegalStateException("No live node");
    }

    /**
     * Kills (SIGKILL, no goodbye to the cluster) the master serving {@code slot}, then waits until one of its
     * replicas has been promoted and every live node sees the cluster as ok again.
     *
     * @return the port of the promoted replica
     */
    public int killMasterAndAwaitFailover(int slot) {
        int oldMaster = masterPortFor(slot);
        Node master = this.nodes.stream()
                .filter(node -> node.port == oldMaster)
                .findFirst()
                .orElseThrow();
        master.kill();
        await("a replica of the killed master " + oldMaster + " to take over slot " + slot)
                .atMost(READY)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try {
                        return masterPortFor(slot) != oldMaster && allOk();
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                });
        return masterPortFor(slot);
    }

    /** Runs a command on every live master (e.g. {@code FLUSHALL} between tests). */
    public void onEveryMaster(Function<RedisCommands<String, String>, ?> command) {
        for (Node node : liveNodes()) {
            if (node.commands(RedisCommands::info).contains("role:master")) {
                node.commands(command);
            }
        }
    }

    /** Runs a command on the live master serving {@code slot}. */
    public <T> T onMasterFor(int slot, Function<RedisCommands<String, String>, T> command) {
        int port = masterPortFor(slot);
        return liveNodes().stream()
                .filter(node -> node.port == port)
                .findFirst()
                .orElseThrow()
                .commands(command);
    }

    @Override
    public void close() {
        killAll();
        this.admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        try {
            Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or about to; nothing left to undo
        }
    }

    private void killAll() {
        for (Node node : this.nodes) {
            node.kill();
        }
    }

    private List<Node> liveNodes() {
        return this.nodes.stream().filter(Node::alive).toList();
    }

    private Node launch() {
        int port = RedisServerFixture.freePort();
        Path dir = this.workDir.resolve("cluster-" + port);
        try {
            deleteRecursively(dir);
            Files.createDirectories(dir);
            Process process = new ProcessBuilder(
                            this.executable.toString(),
                            "--port",
                            String.valueOf(port),
                            "--bind",
                            HOST,
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            dir.toString(),
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            "nodes.conf",
                            "--cluster-node-timeout",
                            String.valueOf(NODE_TIMEOUT_MILLIS),
                            // a replica may always take over, however long its master was gone
                            "--cluster-replica-validity-factor",
                            "0")
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("redis.log").toFile()))
                    .start();
            Node node = new Node(port, process, this.admin);
            await("redis-server with cluster-enabled on port " + port)
                    .atMost(READY)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("redis-server on port " + port + " exited: "
                                    + Files.readString(dir.resolve("redis.log")));
                        }
                        return node.ping();
                    });
            return node;
        } catch (IOException ex) {
            throw new IllegalStateException("Cannot launch " + this.executable + " on port " + port, ex);
        }
    }

    private void join(int masters) {
        Node first = this.nodes.get(0);
        for (Node node : this.nodes.subList(1, this.nodes.size())) {
            first.commands(redis -> redis.clusterMeet(HOST, node.port));
        }
        // 16384 slots split evenly over the masters
        for (int m = 0; m < masters; m++) {
            int from = m * 16384 / masters;
            int to = (m + 1) * 16384 / masters;
            int[] slots = IntStream.range(from, to).toArray();
            this.nodes.get(m).commands(redis -> redis.clusterAddSlots(slots));
        }
        await("every node to know all " + this.nodes.size() + " nodes")
                .atMost(READY)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> this.nodes.stream().allMatch(node -> {
                    String known = node.commands(RedisCommands::clusterNodes);
                    return known.lines().count() == this.nodes.size() && !known.contains("handshake");
                }));
        for (int r = 0; r < masters; r++) {
            String masterId = this.nodes.get(r).commands(RedisCommands::clusterMyId);
            this.nodes.get(masters + r).commands(redis -> redis.clusterReplicate(masterId));
        }
        await("cluster_state:ok on every node, every replica in sync")
                .atMost(READY)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> allOk()
                        && this.nodes.subList(masters, this.nodes.size()).stream()
                                .allMatch(node -> node.commands(redis -> redis.info("replication"))
                                        .contains("master_link_status:up")));
    }

    private boolean allOk() {
        return liveNodes().stream()
                .allMatch(node -> node.commands(RedisCommands::clusterInfo).contains("cluster_state:ok"));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static final class Node {

        private final int port;

        private final Process process;

        private final RedisClient admin;

        Node(int port, Process process, RedisClient admin) {
            this.port = port;
            this.process = process;
            this.admin = admin;
        }

        boolean alive() {
            return this.process.isAlive();
        }

        boolean ping() {
            try {
                return "PONG".equals(commands(RedisCommands::ping));
            } catch (RuntimeException ex) {
                return false;
            }
        }

        /** A short-lived plain connection to this one node (cluster admin commands address single nodes). */
        <T> T commands(Function<RedisCommands<String, String>, T> command) {
            RedisURI uri = RedisURI.create("redis://" + HOST + ":" + this.port);
            uri.setTimeout(Duration.ofSeconds(2));
            try (StatefulRedisConnection<String, String> connection = this.admin.connect(uri)) {
                return command.apply(connection.sync());
            }
        }

        void kill() {
            this.process.destroyForcibly();
            try {
                this.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
