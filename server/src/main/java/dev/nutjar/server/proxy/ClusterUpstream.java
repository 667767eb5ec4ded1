package dev.nutjar.server.proxy;

import dev.nutjar.protocol.KeyScratch;
import dev.nutjar.protocol.Request;
import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.server.cluster.ClusterTopology;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.SlotMap;
import dev.nutjar.server.config.ReadFrom;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * A Redis Cluster pool as one event loop sees it: a key's "server" is its slot, served by the
 * node the pool's {@link ClusterTopology} names now; this loop's connections to the nodes, by
 * node index, grow as nodes are discovered. A request goes out as in any pool; its connection
 * keeps its bytes until the reply, and one that a node redirects ({@code MOVED}, {@code ASK},
 * {@code TRYAGAIN}) goes on as a {@link ClusterExchange}. Reads go to replicas as
 * {@code read_from} says ({@link ReplicaReads}). Splitting by slot keeps each fragment
 * of a multi-key command within one slot, as Redis Cluster requires.
 */
final class ClusterUpstream implements Upstream, ClusterNodeEvents {
    private static final byte[] CROSSSLOT =
            "-CROSSSLOT Keys in request don't hash to the same slot\r\n".getBytes(StandardCharsets.US_ASCII);

    private final PoolRuntime pool;
    private final LoopState loop;
    private final ClusterTopology topology;
    private final NodeConnections nodes;
    /** Where reads go when {@code read_from} is not {@code master}; null when they go to the masters. */
    private final ReplicaReads replicaReads;
    /** The masters the last request for each server went over: made again when the map changes. */
    private ClusterMasters masters;

    ClusterUpstream(PoolRuntime pool, LoopState loop) {
        this.pool = pool;
        this.loop = loop;
        this.topology = pool.cluster;
        this.nodes = new NodeConnections(pool.serverConnections, node -> new BackendConnection(pool, node, loop, this));
        this.replicaReads = pool.readFrom == ReadFrom.MASTER ? null : new ReplicaReads(pool, loop, this);
    }

    ClusterTopology topology() {
        return topology;
    }

    LoopState loop() {
        return loop;
    }

    /** The masters of the slot map now; null when no node serves a slot. */
    @Override
    public FanOutServers fanOutServers(PoolDescription pool) {
        SlotMap map = topology.current();
        if (masters == null || !masters.describes(pool, map)) {
            masters = ClusterMasters.of(pool, map, this);
        }
        return masters;
    }

    /** The slot of the key, when some node serves it; else {@link #NO_SERVER}. */
    @Override
    public int serverOf(Request request, int key) {
        ByteBuf buf = request.keyBuffer(key);
        int index = request.keyIndex(key);
        int length = request.keyLength(key);
        int slot = buf.hasArray()
                ? ClusterSlot.of(buf.array(), buf.arrayOffset() + index, length)
                : ClusterSlot.of(KeyScratch.copy(buf, index, length), 0, length);
        return topology.current().nodeOf(slot) == SlotMap.NO_NODE ? NO_SERVER : slot;
    }

    /** A connection to the node serving {@code slot} now. */
    @Override
    public BackendConnection connection(int slot) {
        SlotMap map = topology.current();
        int node = map.nodeOf(slot);
        // Unserved since routed (a refresh in between): any node, whose redirect will tell.
        return toNode(map, node == SlotMap.NO_NODE ? 0 : node);
    }

    /** A connection to node {@code address}, which becomes known if it was not. */
    BackendConnection toNode(NodeAddress address) {
        SlotMap map = topology.current();
        int node = map.indexOf(address);
        if (node == SlotMap.NO_NODE) {
            map = topology.know(address);
            node = map.indexOf(address);
        }
        return toNode(map, node);
    }

    /** A connection to node {@code node} of {@code map}. */
    BackendConnection toNode(SlotMap map, int node) {
        return nodes.to(map, node);
    }

    /** A connection to the master of replica {@code replica}, or when the map no longer knows it, to any node. */
    BackendConnection masterOf(NodeAddress replica) {
        SlotMap map = topology.current();
        int master = map.masterOf(map.indexOf(replica));
        // Any node's MOVED will tell where the read's slot is.
        return toNode(map, master == SlotMap.NO_NODE ? 0 : master);
    }

    @Override
    public void sendRead(int slot, Exchange exchange, ByteBuf source, int index, int length) {
        BackendConnection replica = replicaReads == null ? null : replicaReads.connection(slot);
        (replica != null ? replica : connection(slot)).send(exchange, source, index, length);
    }

    @Override
    public void sendRead(int slot, Exchange exchange, ByteBuf frame) {
        BackendConnection replica = replicaReads == null ? null : replicaReads.connection(slot);
        (replica != null ? replica : connection(slot)).send(exchange, frame);
    }

    @Override
    public void nodeFailed(BackendConnection from) {
        if (from.isReplica() && replicaReads != null) {
            replicaReads.failed(from.node());
        }
        topology.refreshSoon();
    }

    @Override
    public void replicaLost(BackendConnection from, Exchange exchange, ByteBuf request) {
        ClusterExchange.toMaster(this, from, exchange, request);
    }

    @Override
    public boolean redirected(BackendConnection from, Exchange exchange, ByteBuf request, ByteBuf reply, int index,
            int length) {
        return ClusterExchange.follow(this, from, exchange, request, reply, index, length);
    }

    /** Redis's own reply to keys of several slots in a command that needs one. */
    @Override
    public ByteBuf crossServerReply(Request request, ByteBufAllocator alloc) {
        return alloc.buffer(CROSSSLOT.length).writeBytes(CROSSSLOT);
    }

    @Override
    public void preconnect() {
        SlotMap map = topology.current();
        for (int node = 0; node < map.nodeCount(); node++) {
            toNode(map, node).preconnect();
        }
    }

    /** A reload's new generation of the pool: new connections; those of this one close once answered. */
    @Override
    public Upstream nextGeneration(PoolRuntime next, LoopState loop, int[] previousIndex, boolean keepConnections) {
        if (replicaReads != null) {
            replicaReads.retire();
        }
        nodes.retire();
        return next.cluster != null ? new ClusterUpstream(next, loop) : new RingUpstream(next, loop);
    }

    @Override
    public void close() {
        if (replicaReads != null) {
            replicaReads.close();
        }
        nodes.close();
    }
}
