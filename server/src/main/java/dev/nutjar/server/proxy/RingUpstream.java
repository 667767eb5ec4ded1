package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.routing.ServerPool;

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

    @Override
    public int serverOf(Request request, int key) {
        return routing.route(request.keyBuffer(key), request.keyIndex(key), request.keyLength(key));
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
    public void close() {
        for (BackendConnection[] server : connections) {
            for (BackendConnection conn : server) {
                conn.close();
            }
        }
    }
}
