package dev.nutjar.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of real {@code redis-server --cluster-enabled yes} processes on free loopback
 * ports, joined, resharded and grown with {@code redis-cli --cluster}, as an operator does.
 */
final class RedisClusterNodes implements AutoCloseable {
    /** Small, so that a failover takes a second or two. */
    static final int NODE_TIMEOUT_MILLIS = 1000;

    private final Path dir;
    private final List<BackendProcess> nodes = new ArrayList<>();
    /** The nodes' TLS settings, and redis-cli's; empty for a cluster in plain text. */
    private final List<String> nodeTls;
    private final List<String> cliTls;

    private RedisClusterNodes(Path dir, List<String> nodeTls, List<String> cliTls) {
        this.dir = dir;
        this.nodeTls = nodeTls;
        this.cliTls = cliTls;
    }

    /** {@code masters} masters with one replica each, joined and agreeing on every slot. */
    static RedisClusterNodes start(int masters) throws Exception {
        RedisClusterNodes cluster = new RedisClusterNodes(Files.createTempDirectory("nutjar-cluster-"), List.of(),
                List.of());
        try {
            cluster.create(masters, 1);
            cluster.awaitOk(cluster.nodes);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * {@code masters} masters and no replica that speak only TLS, to clients and on the cluster bus
     * ({@code --port 0}, {@code tls-cluster yes}), showing {@code cert} and asking clients for a
     * certificate signed by {@code ca}; joined and agreeing on every slot.
     */
    static RedisClusterNodes startTls(int masters, TestCertificates.Pair ca, TestCertificates.Pair cert,
            TestCertificates.Pair client) throws Exception {
        RedisClusterNodes cluster = new RedisClusterNodes(Files.createTempDirectory("nutjar-cluster-"),
                List.of("--tls-cluster", "yes", "--tls-replication", "yes", "--tls-cert-file", cert.cert().toString(),
                        "--tls-key-file", cert.key().toString(), "--tls-ca-cert-file", ca.cert().toString()),
                List.of("--tls", "--cacert", ca.cert().toString(), "--cert", client.cert().toString(),
                        "--key", client.key().toString()));
        try {
            cluster.create(masters, 0);
            Await.until("cluster_state:ok on every node", Duration.ofSeconds(30), () -> cluster.nodes.stream()
                    .allMatch(n -> cluster.cliQuietly("-p", String.valueOf(n.port()), "CLUSTER", "INFO")
                            .contains("cluster_state:ok")));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts {@code masters} masters and {@code replicas} replicas of each, and joins them. */
    private void create(int masters, int replicas) throws Exception {
        List<String> create = new ArrayList<>(List.of("--cluster", "create"));
        for (int i = 0; i < masters * (1 + replicas); i++) {
            create.add(startNode().address());
        }
        create.addAll(List.of("--cluster-replicas", String.valueOf(replicas), "--cluster-yes"));
        cli(create);
    }

    /** A new, empty cluster node, not yet part of the cluster. */
    BackendProcess startNode() throws IOException {
        // The bus port is chosen too: the default, the port + 10000, is past 65535 for one free port in five.
        List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes",
                "--cluster-port", String.valueOf(BackendProcess.freePort()),
                "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT_MILLIS),
                "--cluster-config-file", dir.resolve("nodes-" + nodes.size() + ".conf").toString(),
                "--dir", dir.toString()));
        args.addAll(nodeTls);
        BackendProcess node = nodeTls.isEmpty() ? BackendProcess.redis(args.toArray(String[]::new))
                : BackendProcess.redisOnTls(args.toArray(String[]::new));
        nodes.add(node);
        return node;
    }

    /**
     * Starts a killed node again with its cluster configuration but no data, as after a disk lost:
     * the nodes share one directory, where a replica's last full sync left another shard's copy.
     */
    void restartEmpty(BackendProcess node) throws IOException {
        Files.deleteIfExists(dir.resolve("dump.rdb"));
        node.restart();
    }

    /** Adds {@code node} to the cluster as a master with no slot, and waits until all know it. */
    void addMaster(BackendProcess node) throws Exception {
        try (Jedis jedis = RedisShards.direct(node)) {
            // Fresh, but on a busy machine's recycled port: make sure it knows nothing.
            jedis.flushAll();
            jedis.clusterReset(redis.clients.jedis.args.ClusterResetType.HARD);
        }
        cli(List.of("--cluster", "add-node", node.address(), live().get(0).address()));
        Await.until("every node knows " + node.address(), Duration.ofSeconds(20),
                () -> live().stream().allMatch(n -> clusterNodes(n).contains(node.address() + "@")));
        awaitOk(live());
    }

    /** Moves {@code slots} slots from {@code from} to {@code to} with {@code redis-cli --cluster reshard}. */
    void reshard(BackendProcess from, BackendProcess to, int slots) throws Exception {
        cli(List.of("--cluster", "reshard", from.address(), "--cluster-from", id(from), "--cluster-to", id(to),
                "--cluster-slots", String.valueOf(slots), "--cluster-yes"));
    }

    List<BackendProcess> nodes() {
        return nodes;
    }

    /** The nodes that answer PING. */
    List<BackendProcess> live() {
        return nodes.stream().filter(RedisClusterNodes::answers).toList();
    }

    /** The masters serving slots, as {@code node} sees them. */
    List<BackendProcess> masters(BackendProcess node) {
        List<BackendProcess> masters = new ArrayList<>();
        for (String line : clusterNodes(node).split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail")) {
                masters.add(byAddress(f[1].substring(0, f[1].indexOf('@'))));
            }
        }
        return masters;
    }

    /** Whether {@code master} has a replica, as {@code node} sees them. */
    boolean hasReplica(BackendProcess master, BackendProcess node) {
        String masterId = id(master);
        return clusterNodes(node).lines().anyMatch(line -> line.split(" ")[3].equals(masterId));
    }

    /** The replica of {@code master}, as {@code node} sees them. */
    BackendProcess replicaOf(BackendProcess master, BackendProcess node) {
        String masterId = id(master);
        for (String line : clusterNodes(node).split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 3 && f[3].equals(masterId)) {
                return byAddress(f[1].substring(0, f[1].indexOf('@')));
            }
        }
        throw new AssertionError("no replica of " + master.address());
    }

    /** The master serving {@code key}'s slot, as {@code node} sees it. */
    BackendProcess masterOf(String key, BackendProcess node) {
        try (Jedis jedis = RedisShards.direct(node)) {
            long slot = jedis.clusterKeySlot(key);
            for (String line : jedis.clusterNodes().split("\n")) {
                String[] f = line.split(" ");
                if (!f[2].contains("master")) {
                    continue;
                }
                for (int i = 8; i < f.length; i++) {
                    String[] range = f[i].split("-");
                    if (range[0].startsWith("[")) {
                        continue;
                    }
                    long first = Long.parseLong(range[0]);
                    long last = range.length > 1 ? Long.parseLong(range[1]) : first;
                    if (slot >= first && slot <= last) {
                        return byAddress(f[1].substring(0, f[1].indexOf('@')));
                    }
                }
            }
        }
        throw new AssertionError("no master for " + key);
    }

    String id(BackendProcess node) {
        try (Jedis jedis = RedisShards.direct(node)) {
            return jedis.clusterMyId();
        }
    }

    /**
     * Waits until every node of {@code among} counts {@code replicas} replicas online in
     * {@code CLUSTER SHARDS}: a replica stays {@code loading} there until its master's first write
     * after it synced has reached it, and the other nodes learn that by gossip.
     */
    void awaitReplicasOnline(List<BackendProcess> among, int replicas) throws Exception {
        Await.until(replicas + " replicas online in CLUSTER SHARDS", Duration.ofSeconds(20), () -> among.stream()
                .allMatch(n -> onlineReplicas(n) == replicas));
    }

    private static long onlineReplicas(BackendProcess node) {
        try (Jedis jedis = RedisShards.direct(node)) {
            return jedis.clusterShards().stream().flatMap(shard -> shard.getNodes().stream())
                    .filter(info -> "replica".equals(info.getRole()) && "online".equals(info.getHealth())).count();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Waits until every node of {@code among} says {@code cluster_state:ok}. */
    void awaitOk(List<BackendProcess> among) throws Exception {
        Await.until("cluster_state:ok on every node", Duration.ofSeconds(30), () -> among.stream()
                .allMatch(n -> clusterInfo(n).contains("cluster_state:ok")));
    }

    static String clusterInfo(BackendProcess node) {
        try (Jedis jedis = RedisShards.direct(node)) {
            return jedis.clusterInfo();
        } catch (RuntimeException e) {
            return "";
        }
    }

    static String clusterNodes(BackendProcess node) {
        try (Jedis jedis = RedisShards.direct(node)) {
            return jedis.clusterNodes();
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static boolean answers(BackendProcess node) {
        try (Jedis jedis = RedisShards.direct(node)) {
            return jedis.ping().equals("PONG");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private BackendProcess byAddress(String address) {
        return nodes.stream().filter(n -> n.address().equals(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + address));
    }

    /** redis-cli's output, or "" when it fails. */
    private String cliQuietly(String... args) {
        try {
            return cli(List.of(args));
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Runs redis-cli (with the cluster's TLS settings) and returns its output. */
    private String cli(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(BackendProcess.binary("redis-cli", "redis-tools"));
        command.addAll(cliTls);
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        for (BackendProcess node : nodes) {
            node.close();
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temp files; the OS cleans them up
        }
    }
}
