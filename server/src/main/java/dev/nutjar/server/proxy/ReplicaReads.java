package dev.nutjar.server.proxy;

import dev.nutjar.server.cluster.ClusterTopology;
import dev.nutjar.server.cluster.ReadNodeChoice;
import dev.nutjar.server.cluster.SlotMap;
import java.util.Arrays;

/**
 * One event loop's reads from the replicas of a cluster pool whose {@code read_from} is not
 * {@code master}: the node that reads each slot ({@link ReadNodeChoice}), and this loop's
 * connections to the replicas, by node index, each made read-only ({@code READONLY}) before it
 * carries a request. A replica whose connection fails is told to the choice, which sends its reads
 * to the master until the topology's next round of PINGs reaches it.
 */
final class ReplicaReads {
    private final PoolRuntime pool;
    private final LoopState loop;
    private final ClusterTopology topology;
    private final ReadNodeChoice choice;
    /** [node][connection], by node index; null for a node never read from. */
    private BackendConnection[][] connections = new BackendConnection[0][];
    private int turn;

    ReplicaReads(PoolRuntime pool, LoopState loop) {
        this.pool = pool;
        this.loop = loop;
        this.topology = pool.cluster;
        this.choice = new ReadNodeChoice(pool.readFrom);
    }

    /** A connection to the replica that reads {@code slot} now, or null when its master does. */
    BackendConnection connection(int slot) {
        SlotMap map = topology.current();
        int node = choice.nodeFor(slot, map, topology.health());
        if (node == map.nodeOf(slot) || node == SlotMap.NO_NODE) {
            return null;
        }
        if (node >= connections.length) {
            connections = Arrays.copyOf(connections, Math.max(node + 1, map.nodeCount()));
        }
        BackendConnection[] conns = connections[node];
        if (conns == null) {
            conns = new BackendConnection[pool.serverConnections];
            Runnable failed = () -> replicaFailed(node);
            for (int c = 0; c < conns.length; c++) {
                conns[c] = BackendConnection.toReplica(pool, map.node(node), loop, failed);
            }
            connections[node] = conns;
        }
        turn = turn + 1 < conns.length ? turn + 1 : 0;
        return conns[turn];
    }

    private void replicaFailed(int node) {
        choice.failed(node, topology.health());
        topology.refreshSoon();
    }

    /** A reload replaced the pool: the connections close once answered. */
    void retire() {
        for (BackendConnection[] node : connections) {
            if (node != null) {
                for (BackendConnection conn : node) {
                    conn.retire();
                }
            }
        }
    }

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
