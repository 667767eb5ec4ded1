package dev.nutjar.server.cluster;

import dev.nutjar.routing.ClusterSlot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which node serves each slot of a Redis Cluster, as the proxy knows it now. Immutable: a change
 * makes a new map. A node keeps its index in every later map (nodes are only added), so an event
 * loop's table of connections by node index stays valid and only grows.
 */
public final class SlotMap {
    /** What {@link #nodeOf} returns for a slot no node is known to serve. */
    public static final int NO_NODE = -1;

    /** The empty map: no node, no slot served. */
    public static final SlotMap EMPTY = new SlotMap(List.of(), filled(NO_NODE), 0);

    private final List<NodeAddress> nodes;
    private final Map<NodeAddress, Integer> indexes;
    private final int[] owners;
    private final long version;

    private SlotMap(List<NodeAddress> nodes, int[] owners, long version) {
        this.nodes = List.copyOf(nodes);
        this.owners = owners;
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
        boolean[] serving = new boolean[nodes.size()];
        for (int owner : owners) {
            if (owner != NO_NODE) {
                serving[owner] = true;
            }
        }
        List<NodeAddress> masters = new ArrayList<>();
        for (int i = 0; i < serving.length; i++) {
            if (serving[i]) {
                masters.add(nodes.get(i));
            }
        }
        return masters;
    }

    /** This map with {@code address} known (a new index at the end when it was not). */
    public SlotMap withNode(NodeAddress address) {
        if (indexes.containsKey(address)) {
            return this;
        }
        List<NodeAddress> more = new ArrayList<>(nodes);
        more.add(address);
        return new SlotMap(more, owners, version + 1);
    }

    /** This map with {@code slot} served by {@code address}: what a {@code MOVED} reply says. */
    public SlotMap withSlot(int slot, NodeAddress address) {
        SlotMap known = withNode(address);
        int index = known.indexOf(address);
        if (owners[slot] == index) {
            return known;
        }
        int[] changed = owners.clone();
        changed[slot] = index;
        return new SlotMap(known.nodes, changed, version + 1);
    }

    /**
     * The map {@code shape} describes, keeping the node indexes of this one.
     *
     * @param shape per slot, the address of its master, or null
     */
    public SlotMap with(NodeAddress[] shape) {
        if (shape.length != ClusterSlot.SLOTS) {
            throw new IllegalArgumentException("a shape has " + ClusterSlot.SLOTS + " slots (was: " + shape.length + ")");
        }
        List<NodeAddress> more = new ArrayList<>(nodes);
        Map<NodeAddress, Integer> byAddress = new HashMap<>(indexes);
        int[] changed = new int[ClusterSlot.SLOTS];
        for (int slot = 0; slot < changed.length; slot++) {
            NodeAddress address = shape[slot];
            if (address == null) {
                changed[slot] = NO_NODE;
                continue;
            }
            Integer index = byAddress.get(address);
            if (index == null) {
                index = more.size();
                more.add(address);
                byAddress.put(address, index);
            }
            changed[slot] = index;
        }
        if (Arrays.equals(changed, owners) && more.size() == nodes.size()) {
            return this;
        }
        return new SlotMap(more, changed, version + 1);
    }

    private static int[] filled(int value) {
        int[] owners = new int[ClusterSlot.SLOTS];
        Arrays.fill(owners, value);
        return owners;
    }
}
