package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionCodec;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.protocol.ThreadLocalPool;

/**
 * One client's session on backend connections of its own ({@link DedicatedConnections}): pub/sub,
 * a transaction, a blocking command. Shared connections serve many clients, so what leaves state on
 * a connection runs here instead: at most one connection per server, taken from the pool's
 * {@code dedicated_connections} and given back when the mode ends or the client leaves. This class
 * says which mode a request belongs to; each mode is a class of its own:
 *
 * <ul>
 *   <li><b>Subscribed</b> ({@link PubSubMode}): each channel is subscribed on its server's
 *       connection, patterns on every server; the proxy confirms with the client's totals and
 *       passes messages on.
 *   <li><b>Transaction</b> ({@link TransactionMode}): MULTI is answered here; the first keyed
 *       command (or WATCH) pins the client to its server, where MULTI is then sent; a key elsewhere
 *       discards the transaction.
 *   <li><b>Blocking</b> ({@link BlockingCommands}): the command waits on a connection of its own,
 *       without the pool's timeout, and the client's next requests are not read until it is answered.
 * </ul>
 */
final class SessionModes {
    private final SessionCodec codec;
    private final SessionRequests requests;
    private final DedicatedConnections connections;
    private final PubSubMode pubSub;
    private final TransactionMode transaction;
    private final BlockingCommands blocking;

    SessionModes(PoolRuntime pool, LoopState loopState, RequestOwner owner, ReplyQueue queue,
            ThreadLocalPool.Local<PendingRequest> slots) {
        this.codec = pool.protocol.sessionCodec();
        this.requests = new SessionRequests(pool, loopState, owner, queue, slots);
        this.connections = new DedicatedConnections(pool, loopState, owner);
        this.pubSub = new PubSubMode(codec, requests, connections);
        connections.pushesTo(pubSub);
        this.blocking = new BlockingCommands(requests, connections);
        this.transaction = new TransactionMode(pool, codec, requests, connections, blocking);
    }

    /**
     * Routes {@code request} when the client's session decides where it goes.
     *
     * @param request taken over when this returns true
     * @return false when the request goes the usual way
     */
    boolean route(Request request, int decodeRun, Upstream upstream) {
        requests.arrived(decodeRun);
        SessionRole role = request.sessionRole();
        if (pubSub.subscribed()) {
            return pubSub.routeSubscribed(request, role, decodeRun, upstream);
        }
        if (role.isSubscription()) {
            if (transaction.active()) {
                requests.answer(request, decodeRun,
                        requests.failure("nutjar: pub/sub is not available in a transaction or while watching keys"));
            } else {
                pubSub.start(request, role, decodeRun, upstream);
            }
            return true;
        }
        return switch (role) {
            case MULTI -> transaction.multi(request, decodeRun);
            case EXEC, DISCARD -> transaction.end(request, role, decodeRun);
            case WATCH -> transaction.watch(request, decodeRun, upstream);
            case UNWATCH -> transaction.unwatch(request, decodeRun);
            case BLOCKING -> {
                if (transaction.active()) {
                    yield transaction.pinnedCommand(request, decodeRun, upstream, true);
                }
                blocking.block(request, decodeRun, upstream);
                yield true;
            }
            default -> transaction.active() && transaction.pinnedCommand(request, decodeRun, upstream, false);
        };
    }

    /** Whether the client is in a transaction, whose commands all go to one connection in order. */
    boolean inTransaction() {
        return transaction.inMulti();
    }

    /** Whether the client's input waits for the reply of a blocking command or of a transaction's end. */
    boolean blocked() {
        return requests.holding();
    }

    /** A reply is written or kept for {@code request}: a held client may read again. */
    void answered(PendingRequest request) {
        requests.answered(request);
    }

    /** The client can take more, or no more: its subscriptions' messages are read accordingly. */
    void clientWritable(boolean writable) {
        connections.readMessages(writable);
    }

    /** The client left: every connection of its own closes now, and the server forgets its session. */
    void clientGone() {
        connections.clientGone();
    }
}
