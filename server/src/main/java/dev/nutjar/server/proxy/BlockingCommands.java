package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;

/**
 * A blocking command (BLPOP, XREAD BLOCK...): it waits on a connection of the client's own,
 * without the pool's timeout, and the client's next requests are not read until it is answered.
 */
final class BlockingCommands {
    private final SessionRequests requests;
    private final DedicatedConnections connections;

    BlockingCommands(SessionRequests requests, DedicatedConnections connections) {
        this.requests = requests;
        this.connections = connections;
    }

    /** Sends {@code request}, taken over, on the client's own connection to the server of its keys. */
    void block(Request request, int decodeRun, Upstream upstream) {
        int server = requests.oneServer(request, decodeRun, upstream);
        if (server < 0) {
            return;
        }
        int target = connections.targetOf(server);
        // A cluster node whose other slot the client watches: the command goes on that connection, which stays.
        boolean watching = connections.get(target) != null;
        BackendConnection connection = connections.open(target);
        if (connection == null) {
            requests.refused(request, decodeRun);
            return;
        }
        // Kept among the client's connections until it ends, so that a client leaving closes it:
        // Redis then forgets the wait.
        requests.forward(connection, request, decodeRun, SessionRequests.Send.BLOCKING);
        if (!watching) {
            connection.closeWhenAnswered();
        }
    }
}
