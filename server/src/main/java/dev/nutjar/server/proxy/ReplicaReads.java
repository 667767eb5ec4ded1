package dev.nutjar.server.proxy;

import dev.nutjar.server.cluster.ClusterTopology;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.ReadNodeChoice;
import dev.nutjar.server.cluster.SlotMap;

/**
 * One event loop's reads from the replicas of a cluster pool whose {@code read_from} is not
 * {@code master}: the node that reads each slot ({@link ReadNodeChoice}), and this loop's
 * connections to the replicas, by node index, each made read-only ({@code READONLY}) before it
 * carries a request. A replica whose connection fails is told to the choice, which sends its reads
 * to the master until the topology's next round of PINGs reaches it.
 */
final class ReplicaReads {
    private final ClusterTopology topology;
    private final ReadNodeChoice choice;
    private final NodeConnections replicas;

    /** @param events told of the replica connections' redirects and failures */
    ReplicaReads(PoolRuntime pool, LoopState loop, ClusterNodeEvents events) {
        this.topology = pool.cluster;
        this.choice = new ReadNodeChoice(pool.readFrom);
        this.replicas = new NodeConnections(pool.serverConnections,
                replica -> BackendConnection.toReplica(pool, replica, loop, events));
    }

    /** A connection to the replica that reads {@code slot} now, or null when its master does. */
    BackendConnection connection(int slot) {
        SlotMap map = topology.current();
        int node = choice.nodeFor(slot, map, topology.health());
        if (node == map.nodeOf(slot) || node == SlotMap.NO_NODE) {
            return null;
        }
        return replicas.to(map, node);
    }

    /** A connection to {@code replica} failed: its reads go to the master until the topology reaches it again. */
    void failed(NodeAddress replica) {
        int node = topology.current().indexOf(replica);
        if (node != SlotMap.NO_NODE) {
            choice.failed(node, topology.health());
        }
    }

    /** A reload replaced the pool: the connections close once answered. */
    void retire() {
        replicas.retire();
    }

    void close() {
        replicas.close();
    }
}
