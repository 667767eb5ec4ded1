package dev.nutjar.server.proxy;

import dev.nutjar.protocol.PoolView;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.SlotMap;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A cluster pool's masters in one {@link SlotMap}, as a request for each server sees them
 * ({@code DBSIZE}, {@code SCAN} ...): the nodes that serve a slot, in address order, each sent to on
 * one event loop's connection. The fingerprint is over their addresses only, so a SCAN cursor stays
 * valid while the same masters serve the cluster and is refused once one left or joined; slots moved
 * between the same masters keep it valid (keys may then be missed or returned twice, as with any
 * Redis Cluster client's SCAN).
 */
final class ClusterMasters implements FanOutServers, PoolView {
    private static final Comparator<NodeAddress> BY_ADDRESS =
            Comparator.comparing(NodeAddress::host).thenComparingInt(NodeAddress::port);

    private final PoolDescription pool;
    private final SlotMap map;
    private final ClusterUpstream upstream;
    /** The masters' node indexes in {@link #map}, in address order. */
    private final int[] nodes;
    private final long fingerprint;

    /** The masters of {@code map}, or null when no node serves a slot. */
    static ClusterMasters of(PoolDescription pool, SlotMap map, ClusterUpstream upstream) {
        List<NodeAddress> masters = new ArrayList<>(map.masters());
        if (masters.isEmpty()) {
            return null;
        }
        masters.sort(BY_ADDRESS);
        return new ClusterMasters(pool, map, upstream, masters);
    }

    private ClusterMasters(PoolDescription pool, SlotMap map, ClusterUpstream upstream, List<NodeAddress> masters) {
        this.pool = pool;
        this.map = map;
        this.upstream = upstream;
        this.nodes = new int[masters.size()];
        StringBuilder text = new StringBuilder("cluster masters");
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = map.indexOf(masters.get(i));
            text.append('\n').append(masters.get(i));
        }
        this.fingerprint = PoolDescription.fingerprint(text);
    }

    /** Whether these are the masters of {@code map} for {@code pool}: made from them. */
    boolean describes(PoolDescription pool, SlotMap map) {
        return this.pool == pool && this.map == map;
    }

    @Override
    public PoolView view() {
        return this;
    }

    @Override
    public void send(int server, Exchange exchange, ByteBuf frame) {
        upstream.toNode(map, nodes[server]).send(exchange, frame);
    }

    @Override
    public String name() {
        return pool.name();
    }

    @Override
    public int serverCount() {
        return nodes.length;
    }

    @Override
    public String serverName(int server) {
        return map.node(nodes[server]).toString();
    }

    @Override
    public long fingerprint() {
        return fingerprint;
    }

    @Override
    public boolean allows(String command) {
        return pool.allows(command);
    }

    /** The pool's facts, with its servers counted as the masters. */
    @Override
    public Map<String, String> facts() {
        Map<String, String> facts = pool.facts();
        facts.put("pool_servers", Integer.toString(nodes.length));
        return facts;
    }
}
