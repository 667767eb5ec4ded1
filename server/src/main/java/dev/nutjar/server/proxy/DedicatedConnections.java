package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;

/**
 * One client's backend connections of its own, at most one per server, taken from the pool's
 * {@code dedicated_connections} and given back when they end. Each reports here
 * ({@link DedicatedOwner}); pushed frames go on to pub/sub.
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
    /** By server: the client's own connection to it, or null. */
    private final BackendConnection[] connections;
    private Pushes pushes;
    private boolean closed;

    DedicatedConnections(PoolRuntime pool, LoopState loopState, RequestOwner owner) {
        this.pool = pool;
        this.loopState = loopState;
        this.owner = owner;
        this.connections = new BackendConnection[pool.serverCount()];
    }

    /** Sets whom pushed frames go to; once, before the first connection opens. */
    void pushesTo(Pushes pushes) {
        this.pushes = pushes;
    }

    int servers() {
        return connections.length;
    }

    /** The client's connection to {@code server}, or null. */
    BackendConnection get(int server) {
        return connections[server];
    }

    /** The client's connection to {@code server}, opened now if need be; null at dedicated_connections. */
    BackendConnection open(int server) {
        BackendConnection connection = connections[server];
        if (connection == null) {
            if (!pool.dedicatedOpened()) {
                return null;
            }
            connection = new BackendConnection(pool, server, loopState, this);
            connections[server] = connection;
        }
        return connection;
    }

    /** The client is done with {@code server}'s connection: it closes once what was sent is answered. */
    void release(int server) {
        BackendConnection connection = connections[server];
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
