package dev.nutjar.server.cluster;

import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.server.control.BlockingResp;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

/**
 * Asks one node of a Redis Cluster which master serves each slot: {@code CLUSTER SHARDS}
 * (Redis 7), or {@code CLUSTER SLOTS} where that is unknown. A blocking exchange on a socket of
 * its own, made off the event loops.
 */
public final class ClusterProbe {
    private final int timeoutMillis;
    private final String username;
    private final String password;

    /**
     * @param username the ACL user to authenticate as, or null for the default user
     * @param password the password, or null for none
     */
    public ClusterProbe(int timeoutMillis, String username, String password) {
        this.timeoutMillis = timeoutMillis;
        this.username = username;
        this.password = password;
    }

    /**
     * Per slot, the address of its master as {@code node} sees the cluster, or null where none
     * serves it.
     *
     * @throws IOException when the node cannot be reached or does not answer as a cluster node
     */
    public NodeAddress[] shape(NodeAddress node) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(node.host(), node.port()), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            BlockingResp resp = new BlockingResp(new BufferedInputStream(socket.getInputStream()),
                    socket.getOutputStream(), "node " + node);
            if (password != null) {
                Object ok = username == null ? resp.call("AUTH", password) : resp.call("AUTH", username, password);
                if (ok instanceof BlockingResp.ErrorReply error) {
                    throw new IOException("AUTH refused: " + error.message());
                }
            }
            Object shards = resp.call("CLUSTER", "SHARDS");
            if (!(shards instanceof BlockingResp.ErrorReply)) {
                return fromShards(node, shards);
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

    /** {@code CLUSTER SHARDS}: per shard, {@code slots} (start, end pairs) and {@code nodes} (field maps). */
    static NodeAddress[] fromShards(NodeAddress asked, Object reply) {
        NodeAddress[] shape = new NodeAddress[ClusterSlot.SLOTS];
        for (Object shard : list(reply)) {
            List<Object> fields = list(shard);
            List<Object> ranges = list(field(fields, "slots"));
            NodeAddress master = null;
            for (Object node : list(field(fields, "nodes"))) {
                List<Object> nodeFields = list(node);
                if ("master".equals(field(nodeFields, "role"))) {
                    master = new NodeAddress(host(asked, (String) field(nodeFields, "ip")),
                            ((Long) field(nodeFields, "port")).intValue());
                }
            }
            if (master == null) {
                continue;
            }
            for (int i = 0; i + 1 < ranges.size(); i += 2) {
                fill(shape, ((Long) ranges.get(i)).intValue(), ((Long) ranges.get(i + 1)).intValue(), master);
            }
        }
        return shape;
    }

    /** {@code CLUSTER SLOTS}: per range, start, end, then the master's ip, port, id and the replicas. */
    static NodeAddress[] fromSlots(NodeAddress asked, Object reply) {
        NodeAddress[] shape = new NodeAddress[ClusterSlot.SLOTS];
        for (Object range : list(reply)) {
            List<Object> fields = list(range);
            List<Object> master = list(fields.get(2));
            fill(shape, ((Long) fields.get(0)).intValue(), ((Long) fields.get(1)).intValue(),
                    new NodeAddress(host(asked, (String) master.get(0)), ((Long) master.get(1)).intValue()));
        }
        return shape;
    }

    /** A node that does not know its own address announces it empty: it is the one asked. */
    private static String host(NodeAddress asked, String ip) {
        return ip == null || ip.isEmpty() || ip.equals("?") ? asked.host() : ip;
    }

    private static void fill(NodeAddress[] shape, int first, int last, NodeAddress master) {
        for (int slot = first; slot <= last; slot++) {
            shape[slot] = master;
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
