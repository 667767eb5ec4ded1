package dev.nutjar.server.proxy;

import dev.nutjar.server.cluster.ClusterTopology;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.SlotMap;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One client's backend connections of its own, at most one per target, taken from the pool's
 * {@code dedicated_connections} and given back when they end. Each reports here
 * ({@link DedicatedOwner}); pushed frames go on to pub/sub. A target is a server of a ring pool, or
 * a node of a cluster pool, numbered in the order this client first needed it: a cluster's
 * "server" of a key is its slot, whose master now (by the slot map of the pool's current
 * generation, so also after a reload) is found when the connection opens.
 */
final class DedicatedConnections implements DedicatedOwner {
    /** Whom the frames no request awaits, and the end of a server's connection, concern. */
    interface Pushes {
        /**
         * A frame no request awaits came from server {@code server} (-1 when unknown).
         *
         * @param source holds it at {@code index}; still the caller's, not retained
         */
        void pushed(int server, ByteBuf source, int index, int length);

        /** Server {@code server}'s connection is gone: nothing more will come from it. */
        void serverGone(int server);
    }

    private final PoolRuntime pool;
    private final LoopState loopState;
    private final RequestOwner owner;
    /** By target: the client's own connection to it, or null. */
    private BackendConnection[] connections;
    /** In a cluster pool, the node of each target; else null. */
    private final List<NodeAddress> nodes;
    /** In a cluster pool, the node SUBSCRIBE and PSUBSCRIBE go to, chosen once; else -1. */
    private int broadcastNode = -1;
    private Pushes pushes;
    private boolean closed;

    DedicatedConnections(PoolRuntime pool, LoopState loopState, RequestOwner owner) {
        this.pool = pool;
        this.loopState = loopState;
        this.owner = owner;
        this.connections = new BackendConnection[pool.cluster != null ? 0 : pool.serverCount()];
        this.nodes = pool.cluster != null ? new ArrayList<>() : null;
    }

    /** The target of the upstream's server {@code server}: itself in a ring pool; a cluster slot's master now. */
    int targetOf(int server) {
        if (nodes == null) {
            return server;
        }
        ClusterTopology topology = loopState.generation(pool.id).cluster;
        SlotMap map = (topology != null ? topology : pool.cluster).current();
        int node = map.nodeOf(server);
        // Unserved since routed (a refresh in between): any node, whose redirect the client will see.
        NodeAddress address = map.node(node == SlotMap.NO_NODE ? 0 : node);
        int target = nodes.indexOf(address);
        if (target < 0) {
            nodes.add(address);
            target = nodes.size() - 1;
        }
        return target;
    }

    /**
     * Whether channels (SUBSCRIBE) and patterns (PSUBSCRIBE) all go to one target
     * ({@link #broadcastTarget}) rather than channels to their servers and patterns to every server:
     * in a cluster a PUBLISH reaches every node, so one master hears them all, and subscribing on
     * several would deliver each message several times.
     */
    boolean broadcasts() {
        return nodes != null;
    }

    /**
     * The one target of the client's channels and patterns: the one it has, else the master of
     * {@code server} (the slot of the first name subscribed), which spreads clients over the masters.
     */
    int broadcastTarget(int server) {
        if (broadcastNode < 0 || get(broadcastNode) == null) {
            broadcastNode = targetOf(server);
        }
        return broadcastNode;
    }

    /** Sets whom pushed frames go to; once, before the first connection opens. */
    void pushesTo(Pushes pushes) {
        this.pushes = pushes;
    }

    /** How many targets there are (a cluster's grow as it is found to have more nodes). */
    int servers() {
        return connections.length;
    }

    /** The client's connection to target {@code server}, or null. */
    BackendConnection get(int server) {
        return server < connections.length ? connections[server] : null;
    }

    /** The client's connection to target {@code server}, opened now if need be; null at dedicated_connections. */
    BackendConnection open(int server) {
        if (server >= connections.length) {
            connections = Arrays.copyOf(connections, server + 1);
        }
        BackendConnection connection = connections[server];
        if (connection == null) {
            if (!pool.dedicatedOpened()) {
                return null;
            }
            connection = nodes != null
                    ? BackendConnection.dedicatedToNode(pool, nodes.get(server), loopState, this)
                    : new BackendConnection(pool, server, loopState, this);
            connections[server] = connection;
        }
        return connection;
    }

    /** The client is done with {@code server}'s connection: it closes once what was sent is answered. */
    void release(int server) {
        BackendConnection connection = get(server);
        if (connection != null) {
            connections[server] = null;
            pushes.serverGone(server);
            connection.closeWhenAnswered();
        }
    }

    /** The client can take more, or no more: its subscriptions' messages are read accordingly. */
    void readMessages(boolean writable) {
        for (BackendConnection connection : connections) {
            if (connection != null) {
                connection.readMessages(writable);
            }
        }
    }

    /** The client left: every connection of its own closes now, and the server forgets its session. */
    void clientGone() {
        closed = true;
        for (int s = 0; s < connections.length; s++) {
            BackendConnection connection = connections[s];
            if (connection != null) {
                connections[s] = null;
                pushes.serverGone(s);
                connection.close();
            }
        }
    }

    @Override
    public void pushed(BackendConnection connection, ByteBuf source, int index, int length) {
        if (closed || owner.gone()) {
            return;
        }
        int server = -1;
        for (int s = 0; s < connections.length; s++) {
            if (connections[s] == connection) {
                server = s;
            }
        }
        pushes.pushed(server, source, index, length);
    }

    @Override
    public void ended(BackendConnection connection, boolean unexpectedly) {
        pool.dedicatedClosed();
        for (int s = 0; s < connections.length; s++) {
            if (connections[s] == connection) {
                connections[s] = null;
                pushes.serverGone(s);
                if (unexpectedly && !closed) {
                    // The session's state went with the connection: the client must start again.
                    closed = true;
                    owner.sessionLost();
                }
            }
        }
    }
}
