package dev.nutjar.server.proxy;

import dev.nutjar.protocol.KeyScratch;
import dev.nutjar.protocol.Request;
import dev.nutjar.routing.ServerPool;
import io.netty.buffer.ByteBuf;

/**
 * A pool's fixed servers placed by its {@link ServerPool} ring, and one loop's connections to
 * them: {@code server_connections} per server, taken in turn.
 */
final class RingUpstream implements Upstream {
    private final ServerPool routing;
    /** [server][connection] */
    private final BackendConnection[][] connections;
    /** Per server, the connection the next request takes. */
    private final int[] next;

    RingUpstream(PoolRuntime pool, LoopState loop) {
        this.routing = pool.routing;
        int servers = pool.serverCount();
        this.connections = new BackendConnection[servers][];
        this.next = new int[servers];
        for (int s = 0; s < servers; s++) {
            BackendConnection[] conns = new BackendConnection[pool.serverConnections];
            for (int c = 0; c < conns.length; c++) {
                conns[c] = new BackendConnection(pool, s, loop);
            }
            connections[s] = conns;
        }
    }

    /**
     * The upstream of {@code next}, a reload's new generation of the pool {@code previous} served:
     * a server that stays keeps its connections when {@code keepConnections}, moved to its new
     * index; every other connection of {@code previous} is retired and closes once answered.
     *
     * @param previousIndex per server of {@code next}, its index in {@code previous}'s pool, or -1
     */
    RingUpstream(PoolRuntime next, LoopState loop, RingUpstream previous, int[] previousIndex,
            boolean keepConnections) {
        this.routing = next.routing;
        int servers = next.serverCount();
        this.connections = new BackendConnection[servers][];
        this.next = new int[servers];
        boolean[] kept = new boolean[previous.connections.length];
        for (int s = 0; s < servers; s++) {
            int o = previousIndex[s];
            if (keepConnections && o >= 0) {
                kept[o] = true;
                connections[s] = previous.connections[o];
                for (BackendConnection conn : connections[s]) {
                    conn.movedTo(next, s);
                }
            } else {
                BackendConnection[] conns = new BackendConnection[next.serverConnections];
                for (int c = 0; c < conns.length; c++) {
                    conns[c] = new BackendConnection(next, s, loop);
                }
                connections[s] = conns;
            }
        }
        for (int o = 0; o < kept.length; o++) {
            if (!kept[o]) {
                for (BackendConnection conn : previous.connections[o]) {
                    conn.retire();
                }
            }
        }
    }

    @Override
    public Upstream nextGeneration(PoolRuntime next, LoopState loop, int[] previousIndex, boolean keepConnections) {
        return new RingUpstream(next, loop, this, previousIndex, keepConnections);
    }

    @Override
    public int serverOf(Request request, int key) {
        ByteBuf buf = request.keyBuffer(key);
        int index = request.keyIndex(key);
        int length = request.keyLength(key);
        if (buf.hasArray()) {
            return routing.route(buf.array(), buf.arrayOffset() + index, length);
        }
        return routing.route(KeyScratch.copy(buf, index, length), 0, length);
    }

    @Override
    public BackendConnection connection(int server) {
        BackendConnection[] conns = connections[server];
        if (conns.length == 1) {
            return conns[0];
        }
        int i = next[server];
        next[server] = i + 1 == conns.length ? 0 : i + 1;
        return conns[i];
    }

    @Override
    public void preconnect() {
        for (int s = 0; s < connections.length; s++) {
            connection(s).preconnect();
        }
    }

    @Override
    public void dropMovedConnections() {
        for (BackendConnection[] server : connections) {
            for (BackendConnection conn : server) {
                conn.dropIfMasterMoved();
            }
        }
    }

    @Override
    public void close() {
        for (BackendConnection[] server : connections) {
            for (BackendConnection conn : server) {
                conn.close();
            }
        }
    }
}
