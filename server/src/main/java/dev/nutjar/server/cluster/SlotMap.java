package dev.nutjar.server.cluster;

import dev.nutjar.routing.ClusterSlot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which node serves each slot of a Redis Cluster, as the proxy knows it now: its master, and its
 * replicas that are up. Immutable: a change makes a new map. A node keeps its index in every
 * later map (nodes are only added), so an event loop's table of connections by node index stays
 * valid and only grows.
 */
public final class SlotMap {
    /** What {@link #nodeOf} returns for a slot no node is known to serve. */
    public static final int NO_NODE = -1;

    /** A slot's replicas when it has none; declared before {@link #EMPTY}, which uses it. */
    private static final int[] NONE = new int[0];

    /** The empty map: no node, no slot served. */
    public static final SlotMap EMPTY = new SlotMap(List.of(), filled(NO_NODE), noReplicas(), 0);

    private final List<NodeAddress> nodes;
    private final Map<NodeAddress, Integer> indexes;
    private final int[] owners;
    /** Per slot, its replicas' node indexes; the slots of one shard share one array. */
    private final int[][] replicas;
    private final long version;

    private SlotMap(List<NodeAddress> nodes, int[] owners, int[][] replicas, long version) {
        this.nodes = List.copyOf(nodes);
        this.owners = owners;
        this.replicas = replicas;
        this.version = version;
        Map<NodeAddress, Integer> byAddress = new HashMap<>();
        for (int i = 0; i < this.nodes.size(); i++) {
            byAddress.put(this.nodes.get(i), i);
        }
        this.indexes = byAddress;
    }

    /** The node index serving {@code slot}, or {@link #NO_NODE}. */
    public int nodeOf(int slot) {
        return owners[slot];
    }

    /**
     * The node indexes of the replicas of {@code slot} that are up, in address order; empty when it
     * has none. Shared: never modify it.
     */
    public int[] replicasOf(int slot) {
        return replicas[slot];
    }

    /**
     * The node index of the master whose slots {@code replica} (a node index) serves, or
     * {@link #NO_NODE} when it is no replica in this map. A scan of the slots: for a replica that failed.
     */
    public int masterOf(int replica) {
        if (replica == NO_NODE) {
            return NO_NODE;
        }
        for (int slot = 0; slot < owners.length; slot++) {
            for (int node : replicas[slot]) {
                if (node == replica) {
                    return owners[slot];
                }
            }
        }
        return NO_NODE;
    }

    /** The nodes ever seen, by index. */
    public int nodeCount() {
        return nodes.size();
    }

    public NodeAddress node(int index) {
        return nodes.get(index);
    }

    /** The index of {@code address}, or {@link #NO_NODE} when this map does not know it. */
    public int indexOf(NodeAddress address) {
        Integer index = indexes.get(address);
        return index == null ? NO_NODE : index;
    }

    /** Counts the changes since the proxy started: a newer map has a larger version. */
    public long version() {
        return version;
    }

    /** Whether some slot has a node. */
    public boolean isKnown() {
        for (int owner : owners) {
            if (owner != NO_NODE) {
                return true;
            }
        }
        return false;
    }

    /** The nodes that serve at least one slot, in index order. */
    public List<NodeAddress> masters() {
        return serving(false);
    }

    /** The nodes that serve at least one slot, as its master or one of its replicas, in index order. */
    public List<NodeAddress> serving() {
        return serving(true);
    }

    private List<NodeAddress> serving(boolean withReplicas) {
        boolean[] serving = new boolean[nodes.size()];
        for (int slot = 0; slot < owners.length; slot++) {
            if (owners[slot] != NO_NODE) {
                serving[owners[slot]] = true;
            }
            if (withReplicas) {
                for (int replica : replicas[slot]) {
                    serving[replica] = true;
                }
            }
        }
        List<NodeAddress> found = new ArrayList<>();
        for (int i = 0; i < serving.length; i++) {
            if (serving[i]) {
                found.add(nodes.get(i));
            }
        }
        return found;
    }

    /** This map with {@code address} known (a new index at the end when it was not). */
    public SlotMap withNode(NodeAddress address) {
        if (indexes.containsKey(address)) {
            return this;
        }
        List<NodeAddress> more = new ArrayList<>(nodes);
        more.add(address);
        return new SlotMap(more, owners, replicas, version + 1);
    }

    /**
     * This map with {@code slot} served by {@code address}: what a {@code MOVED} reply says. The
     * slot's replicas are forgotten until the next refresh tells them: they were another master's.
     */
    public SlotMap withSlot(int slot, NodeAddress address) {
        SlotMap known = withNode(address);
        int index = known.indexOf(address);
        if (owners[slot] == index) {
            return known;
        }
        int[] changed = owners.clone();
        changed[slot] = index;
        int[][] changedReplicas = replicas.clone();
        changedReplicas[slot] = NONE;
        return new SlotMap(known.nodes, changed, changedReplicas, version + 1);
    }

    /**
     * The map {@code shape} describes, keeping the node indexes of this one.
     *
     * @param shape per slot, its master and replicas, or null
     */
    public SlotMap with(ShardNodes[] shape) {
        if (shape.length != ClusterSlot.SLOTS) {
            throw new IllegalArgumentException("a shape has " + ClusterSlot.SLOTS + " slots (was: " + shape.length + ")");
        }
        List<NodeAddress> more = new ArrayList<>(nodes);
        Map<NodeAddress, Integer> byAddress = new HashMap<>(indexes);
        int[] changed = new int[ClusterSlot.SLOTS];
        int[][] changedReplicas = new int[ClusterSlot.SLOTS][];
        Map<ShardNodes, int[]> replicasOfShard = new HashMap<>();
        for (int slot = 0; slot < changed.length; slot++) {
            ShardNodes shard = shape[slot];
            if (shard == null) {
                changed[slot] = NO_NODE;
                changedReplicas[slot] = NONE;
                continue;
            }
            changed[slot] = index(shard.master(), more, byAddress);
            changedReplicas[slot] = replicasOfShard.computeIfAbsent(shard, s -> {
                int[] indexes = new int[s.replicas().size()];
                for (int i = 0; i < indexes.length; i++) {
                    indexes[i] = index(s.replicas().get(i), more, byAddress);
                }
                return indexes.length == 0 ? NONE : indexes;
            });
        }
        if (Arrays.equals(changed, owners) && Arrays.deepEquals(changedReplicas, replicas)
                && more.size() == nodes.size()) {
            return this;
        }
        return new SlotMap(more, changed, changedReplicas, version + 1);
    }

    /** The index of {@code address}, a new one at the end of {@code nodes} when it has none yet. */
    private static int index(NodeAddress address, List<NodeAddress> nodes, Map<NodeAddress, Integer> byAddress) {
        Integer index = byAddress.get(address);
        if (index == null) {
            index = nodes.size();
            nodes.add(address);
            byAddress.put(address, index);
        }
        return index;
    }

    private static int[] filled(int value) {
        int[] owners = new int[ClusterSlot.SLOTS];
        Arrays.fill(owners, value);
        return owners;
    }

    private static int[][] noReplicas() {
        int[][] replicas = new int[ClusterSlot.SLOTS][];
        Arrays.fill(replicas, NONE);
        return replicas;
    }
}
