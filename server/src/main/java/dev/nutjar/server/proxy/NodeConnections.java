package dev.nutjar.server.proxy;

import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.SlotMap;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One event loop's connections to the nodes of a cluster pool, by the node's index in the
 * topology's maps: {@code server_connections} per node, opened on first use and taken in turn.
 * The table only grows, as the maps' node indexes never change meaning.
 */
final class NodeConnections {
    private final int perNode;
    private final Function<NodeAddress, BackendConnection> open;
    /** [node][connection]; null for a node not used yet. */
    private BackendConnection[][] connections = new BackendConnection[0][];
    private int[] next = new int[0];

    /** @param open makes a connection to a node: to a master, or a read-only one to a replica */
    NodeConnections(int perNode, Function<NodeAddress, BackendConnection> open) {
        this.perNode = perNode;
        this.open = open;
    }

    /** A connection to node {@code node} of {@code map}. */
    BackendConnection to(SlotMap map, int node) {
        if (node >= connections.length) {
            int size = Math.max(node + 1, map.nodeCount());
            connections = Arrays.copyOf(connections, size);
            next = Arrays.copyOf(next, size);
        }
        BackendConnection[] conns = connections[node];
        if (conns == null) {
            conns = new BackendConnection[perNode];
            for (int c = 0; c < conns.length; c++) {
                conns[c] = open.apply(map.node(node));
            }
            connections[node] = conns;
        }
        if (conns.length == 1) {
            return conns[0];
        }
        int i = next[node];
        next[node] = i + 1 == conns.length ? 0 : i + 1;
        return conns[i];
    }

    /** A reload replaced the pool: each connection closes once answered. */
    void retire() {
        for (BackendConnection[] node : connections) {
            if (node != null) {
                for (BackendConnection conn : node) {
                    conn.retire();
                }
            }
        }
    }

    /** Closes every connection, failing what is still on it. */
    void close() {
        for (BackendConnection[] node : connections) {
            if (node != null) {
                for (BackendConnection conn : node) {
                    conn.close();
                }
            }
        }
    }
}
