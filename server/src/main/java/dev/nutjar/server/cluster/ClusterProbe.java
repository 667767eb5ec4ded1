package dev.nutjar.server.cluster;

import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.server.control.BlockingResp;
import dev.nutjar.server.tls.NodeTls;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks one node of a Redis Cluster which master and replicas serve each slot: {@code CLUSTER
 * SHARDS} (Redis 7), or {@code CLUSTER SLOTS} where that is unknown; and times a node's
 * {@code PING}. Blocking exchanges on sockets of their own, made off the event loops; with TLS,
 * the nodes are those of the TLS ports ({@code tls-cluster yes}: the ports {@code CLUSTER SLOTS}
 * and redirects give, and {@code tls-port} in {@code CLUSTER SHARDS}).
 */
public final class ClusterProbe {
    /** PINGs per {@link #roundTrip}: the fastest counts, so that one late wake-up does not. */
    static final int PINGS = 3;

    private final int timeoutMillis;
    private final String username;
    private final String password;
    /** TLS to the nodes, or null for plain text. */
    private final NodeTls tls;

    /**
     * @param username the ACL user to authenticate as, or null for the default user
     * @param password the password, or null for none
     */
    public ClusterProbe(int timeoutMillis, String username, String password) {
        this(timeoutMillis, username, password, null);
    }

    /** @param tls TLS to the nodes, or null for plain text */
    public ClusterProbe(int timeoutMillis, String username, String password, NodeTls tls) {
        this.timeoutMillis = timeoutMillis;
        this.username = username;
        this.password = password;
        this.tls = tls;
    }

    /**
     * Per slot, its master and replicas as {@code node} sees the cluster, or null where none
     * serves it. Slots of one range share one {@link ShardNodes}.
     *
     * @throws IOException when the node cannot be reached or does not answer as a cluster node
     */
    public ShardNodes[] shape(NodeAddress node) throws IOException {
        try (Socket socket = connect(node)) {
            BlockingResp resp = open(socket, node);
            Object shards = resp.call("CLUSTER", "SHARDS");
            if (!(shards instanceof BlockingResp.ErrorReply)) {
                return fromShards(node, shards, tls != null);
            }
            Object slots = resp.call("CLUSTER", "SLOTS");
            if (slots instanceof BlockingResp.ErrorReply error) {
                throw new IOException("not a cluster node: " + error.message());
            }
            return fromSlots(node, slots);
        } catch (RuntimeException e) {
            throw new IOException("unexpected reply: " + e, e);
        }
    }

    /**
     * The round-trip time of a {@code PING} to {@code node} in nanoseconds: the fastest of
     * {@link #PINGS} on one connection, once it is open and authenticated (connecting is not timed).
     *
     * @throws IOException when the node cannot be reached, does not answer {@code PONG} (a node
     *     still loading its data answers {@code -LOADING}), or is a replica whose link to its master
     *     is not up: one restarted, or syncing, would answer from an empty or old copy
     */
    public long roundTrip(NodeAddress node) throws IOException {
        try (Socket socket = connect(node)) {
            BlockingResp resp = open(socket, node);
            Object replication = resp.call("INFO", "replication");
            if (replication instanceof String info && info.contains("role:slave")
                    && !info.contains("master_link_status:up")) {
                throw new IOException("a replica whose link to its master is down");
            }
            long fastest = Long.MAX_VALUE;
            for (int i = 0; i < PINGS; i++) {
                long start = System.nanoTime();
                Object pong = resp.call("PING");
                long took = System.nanoTime() - start;
                if (!"PONG".equals(pong)) {
                    throw new IOException("PING answered " + (pong instanceof BlockingResp.ErrorReply e ? e.message() : pong));
                }
                fastest = Math.min(fastest, took);
            }
            return fastest;
        }
    }

    private Socket connect(NodeAddress node) throws IOException {
        if (tls != null) {
            return tls.connect(node.host(), node.port(), timeoutMillis);
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(node.host(), node.port()), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private BlockingResp open(Socket socket, NodeAddress node) throws IOException {
        BlockingResp resp = new BlockingResp(new BufferedInputStream(socket.getInputStream()),
                socket.getOutputStream(), "node " + node);
        if (password != null) {
            Object ok = username == null ? resp.call("AUTH", password) : resp.call("AUTH", username, password);
            if (ok instanceof BlockingResp.ErrorReply error) {
                throw new IOException("AUTH refused: " + error.message());
            }
        }
        return resp;
    }

    /**
     * {@code CLUSTER SHARDS}: per shard, {@code slots} (start, end pairs) and {@code nodes} (field
     * maps with {@code role} and {@code health}); a replica whose health is not {@code online}
     * (failed, or still loading its first copy of the data) is left out.
     *
     * @param tls whether the nodes are reached at their {@code tls-port} rather than their {@code port}
     */
    static ShardNodes[] fromShards(NodeAddress asked, Object reply, boolean tls) {
        String portField = tls ? "tls-port" : "port";
        ShardNodes[] shape = new ShardNodes[ClusterSlot.SLOTS];
        for (Object shard : list(reply)) {
            List<Object> fields = list(shard);
            List<Object> ranges = list(field(fields, "slots"));
            NodeAddress master = null;
            List<NodeAddress> replicas = new ArrayList<>();
            for (Object node : list(field(fields, "nodes"))) {
                List<Object> nodeFields = list(node);
                NodeAddress address = new NodeAddress(host(asked, (String) field(nodeFields, "ip")),
                        ((Long) field(nodeFields, portField)).intValue());
                if ("master".equals(field(nodeFields, "role"))) {
                    master = address;
                } else if ("online".equals(field(nodeFields, "health"))) {
                    replicas.add(address);
                }
            }
            if (master == null) {
                continue;
            }
            ShardNodes nodes = new ShardNodes(master, replicas);
            for (int i = 0; i + 1 < ranges.size(); i += 2) {
                fill(shape, ((Long) ranges.get(i)).intValue(), ((Long) ranges.get(i + 1)).intValue(), nodes);
            }
        }
        return shape;
    }

    /**
     * {@code CLUSTER SLOTS}: per range, start, end, then the master's ip, port and id, then each
     * replica's (Redis leaves out the replicas it sees failed).
     */
    static ShardNodes[] fromSlots(NodeAddress asked, Object reply) {
        ShardNodes[] shape = new ShardNodes[ClusterSlot.SLOTS];
        for (Object range : list(reply)) {
            List<Object> fields = list(range);
            List<NodeAddress> replicas = new ArrayList<>();
            for (int i = 3; i < fields.size(); i++) {
                replicas.add(address(asked, list(fields.get(i))));
            }
            fill(shape, ((Long) fields.get(0)).intValue(), ((Long) fields.get(1)).intValue(),
                    new ShardNodes(address(asked, list(fields.get(2))), replicas));
        }
        return shape;
    }

    private static NodeAddress address(NodeAddress asked, List<Object> node) {
        return new NodeAddress(host(asked, (String) node.get(0)), ((Long) node.get(1)).intValue());
    }

    /** A node that does not know its own address announces it empty: it is the one asked. */
    private static String host(NodeAddress asked, String ip) {
        return ip == null || ip.isEmpty() || ip.equals("?") ? asked.host() : ip;
    }

    private static void fill(ShardNodes[] shape, int first, int last, ShardNodes nodes) {
        for (int slot = first; slot <= last; slot++) {
            shape[slot] = nodes;
        }
    }

    private static Object field(List<Object> fields, String name) {
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if (name.equals(fields.get(i))) {
                return fields.get(i + 1);
            }
        }
        throw new IllegalArgumentException("no field '" + name + "' in " + fields);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        if (!(value instanceof List<?>)) {
            throw new IllegalArgumentException("expected an array, was: " + value);
        }
        return (List<Object>) value;
    }
}
