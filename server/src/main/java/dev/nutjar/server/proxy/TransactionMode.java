package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionCodec;
import dev.nutjar.protocol.SessionRole;
import io.netty.buffer.ByteBuf;

/**
 * A client's transaction and watched keys, on one server: MULTI is answered here; the first keyed
 * command (or WATCH) pins the client to its server, where MULTI is then sent; a key elsewhere
 * discards the transaction. EXEC and DISCARD hold the client's input until they are answered, so
 * that the requests after them, on shared connections, do not overtake them.
 */
final class TransactionMode {
    private final PoolRuntime pool;
    private final SessionCodec codec;
    private final SessionRequests requests;
    private final DedicatedConnections connections;
    private final BlockingCommands blocking;
    /** The server of the transaction or of the watched keys (in a cluster pool, its slot), or -1. */
    private int pinned = -1;
    /** The client's connection serving {@link #pinned}: its target in {@link DedicatedConnections}. */
    private int pinnedTarget = -1;
    private boolean inMulti;
    /** MULTI was sent to the pinned server. */
    private boolean multiSent;
    /** The transaction had an error: EXEC discards it. */
    private boolean aborted;

    TransactionMode(PoolRuntime pool, SessionCodec codec, SessionRequests requests, DedicatedConnections connections,
            BlockingCommands blocking) {
        this.pool = pool;
        this.codec = codec;
        this.requests = requests;
        this.connections = connections;
        this.blocking = blocking;
    }

    /** Whether the client is in a transaction, whose commands all go to one connection in order. */
    boolean inMulti() {
        return inMulti;
    }

    /** Whether the client is in a transaction or watches keys: its keyed commands go through {@link #pinnedCommand}. */
    boolean active() {
        return inMulti || pinned >= 0;
    }

    boolean multi(Request request, int decodeRun) {
        if (inMulti) {
            requests.answer(request, decodeRun, reply(SessionCodec.Reply.NESTED_MULTI));
            return true;
        }
        inMulti = true;
        aborted = false;
        if (pinned >= 0) {
            multiSent = true;
            requests.forward(pinnedConnection(), request, decodeRun, SessionRequests.Send.PLAIN);
        } else {
            multiSent = false;
            requests.answer(request, decodeRun, reply(SessionCodec.Reply.OK));
        }
        return true;
    }

    /** EXEC or DISCARD. */
    boolean end(Request request, SessionRole role, int decodeRun) {
        boolean exec = role == SessionRole.EXEC;
        if (!inMulti) {
            requests.answer(request, decodeRun,
                    reply(exec ? SessionCodec.Reply.EXEC_WITHOUT_MULTI : SessionCodec.Reply.DISCARD_WITHOUT_MULTI));
            return true;
        }
        if (multiSent && !aborted) {
            requests.forward(pinnedConnection(), request, decodeRun, SessionRequests.Send.HOLD_INPUT);
        } else if (aborted) {
            requests.answer(request, decodeRun, reply(exec ? SessionCodec.Reply.EXEC_ABORTED : SessionCodec.Reply.OK));
        } else {
            requests.answer(request, decodeRun, reply(exec ? SessionCodec.Reply.EMPTY_EXEC : SessionCodec.Reply.OK));
        }
        // EXEC and DISCARD forget the watched keys too: the pinned connection is done.
        inMulti = false;
        multiSent = false;
        aborted = false;
        unpin();
        return true;
    }

    boolean watch(Request request, int decodeRun, Upstream upstream) {
        if (inMulti) {
            requests.answer(request, decodeRun, reply(SessionCodec.Reply.WATCH_IN_MULTI));
            return true;
        }
        int server = requests.oneServer(request, decodeRun, upstream);
        if (server < 0) {
            return true;
        }
        if (pinned >= 0 && server != pinned) {
            requests.answer(request, decodeRun, otherServerReply(request, upstream, server));
            return true;
        }
        if (pinned < 0 && !pin(server)) {
            requests.refused(request, decodeRun);
            return true;
        }
        requests.forward(pinnedConnection(), request, decodeRun, SessionRequests.Send.PLAIN);
        return true;
    }

    boolean unwatch(Request request, int decodeRun) {
        if (pinned < 0) {
            requests.answer(request, decodeRun, reply(inMulti ? SessionCodec.Reply.QUEUED : SessionCodec.Reply.OK));
            return true;
        }
        if (inMulti && !multiSent) {
            requests.answer(request, decodeRun, reply(SessionCodec.Reply.QUEUED));
            return true;
        }
        requests.forward(pinnedConnection(), request, decodeRun,
                inMulti ? SessionRequests.Send.PLAIN : SessionRequests.Send.HOLD_INPUT);
        if (!inMulti) {
            unpin();
        }
        return true;
    }

    /**
     * A request while the client is in a transaction or watches keys: in the transaction, it goes
     * to the pinned server (pinning the client now if it is the first with a key); while watching,
     * to the pinned connection when its keys are there, else the usual way.
     *
     * @return false when the request goes the usual way
     */
    boolean pinnedCommand(Request request, int decodeRun, Upstream upstream, boolean blockingRole) {
        Request.Action action = request.action();
        if (action == Request.Action.LOCAL || request.keyCount() == 0) {
            return false;
        }
        if (inMulti && aborted) {
            requests.answer(request, decodeRun, reply(SessionCodec.Reply.QUEUED));
            return true;
        }
        int server = upstream.serverOf(request, 0);
        boolean oneServer = server != Upstream.NO_SERVER;
        for (int k = 1; oneServer && k < request.keyCount(); k++) {
            oneServer = upstream.serverOf(request, k) == server;
        }
        if (!inMulti) {
            if (!oneServer || server != pinned) {
                if (!blockingRole) {
                    return false;
                }
                blocking.block(request, decodeRun, upstream);
                return true;
            }
            requests.forward(pinnedConnection(), request, decodeRun,
                    blockingRole ? SessionRequests.Send.BLOCKING : SessionRequests.Send.PLAIN);
            return true;
        }
        if (server == Upstream.NO_SERVER) {
            abort();
            requests.failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
            return true;
        }
        if (pinned < 0 && oneServer && !pin(server)) {
            aborted = true;
            requests.refused(request, decodeRun);
            return true;
        }
        if (!oneServer || server != pinned) {
            ByteBuf reply = otherServerReply(request, upstream, server);
            abort();
            requests.answer(request, decodeRun, reply);
            return true;
        }
        if (!multiSent) {
            multiSent = true;
            pinnedConnection().send(new DroppedReply(), codec.command(requests.alloc(), SessionRole.MULTI));
        }
        requests.forward(pinnedConnection(), request, decodeRun, SessionRequests.Send.PLAIN);
        return true;
    }

    /** Pins the client to {@code server} on a connection of its own; false at dedicated_connections. */
    private boolean pin(int server) {
        int target = connections.targetOf(server);
        if (connections.open(target) == null) {
            return false;
        }
        pinned = server;
        pinnedTarget = target;
        return true;
    }

    private BackendConnection pinnedConnection() {
        return connections.get(pinnedTarget);
    }

    /**
     * The reply to a command whose keys (the first on {@code server}) are not all on the transaction's
     * server: in a cluster pool Redis's CROSSSLOT, as a node answers keys of several slots in one
     * transaction (its "servers" are slots, which have no names).
     */
    private ByteBuf otherServerReply(Request request, Upstream upstream, int server) {
        if (pool.cluster != null) {
            return upstream.crossServerReply(request, requests.alloc());
        }
        if (pinned >= 0) {
            return requests.failure(otherServer(server != pinned ? server : otherKeyServer(request, upstream, server)));
        }
        return requests.failure("nutjar: the keys of this command are on servers '" + pool.serverName(server)
                + "' and '" + pool.serverName(otherKeyServer(request, upstream, server))
                + "'; a transaction runs on one server: transaction discarded");
    }

    private static int otherKeyServer(Request request, Upstream upstream, int server) {
        for (int k = 1; k < request.keyCount(); k++) {
            int s = upstream.serverOf(request, k);
            if (s != server) {
                return s;
            }
        }
        return server;
    }

    private String otherServer(int server) {
        return "nutjar: a key of this command is on server '" + pool.serverName(server)
                + "', but the transaction is on server '" + pool.serverName(pinned)
                + "'; a transaction runs on one server (use a hash tag): transaction discarded";
    }

    /** The transaction had an error: the server forgets it now, and EXEC will say so. */
    private void abort() {
        aborted = true;
        if (multiSent && pinned >= 0) {
            pinnedConnection().send(new DroppedReply(), codec.command(requests.alloc(), SessionRole.DISCARD));
            multiSent = false;
        }
    }

    private void unpin() {
        if (pinned >= 0) {
            int target = pinnedTarget;
            pinned = -1;
            pinnedTarget = -1;
            connections.release(target);
        }
    }

    private ByteBuf reply(SessionCodec.Reply reply) {
        return codec.reply(requests.alloc(), reply);
    }
}
