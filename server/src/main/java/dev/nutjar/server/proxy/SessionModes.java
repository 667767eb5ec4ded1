package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionCodec;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's session on backend connections of its own ({@link DedicatedConnections}): pub/sub,
 * a transaction, a blocking command. Shared connections serve many clients, so what leaves state on
 * a connection runs here instead: at most one connection per server, taken from the pool's
 * {@code dedicated_connections} and given back when the mode ends or the client leaves.
 *
 * <ul>
 *   <li><b>Subscribed</b>: each channel is subscribed on its server's connection, patterns on
 *       every server; the proxy confirms with the client's totals and passes messages on.
 *   <li><b>Transaction</b>: MULTI is answered here; the first keyed command (or WATCH) pins the
 *       client to its server, where MULTI is then sent; a key elsewhere discards the transaction.
 *   <li><b>Blocking</b>: the command waits on a connection of its own, without the pool's
 *       timeout, and the client's next requests are not read until it is answered.
 * </ul>
 */
final class SessionModes implements DedicatedConnections.Pushes {
    private final PoolRuntime pool;
    private final SessionCodec codec;
    private final SessionRequests requests;
    private final DedicatedConnections connections;
    private final Subscriptions subscriptions = new Subscriptions();
    private final Confirmations confirmations;
    /** The server of the transaction or of the watched keys, or -1. */
    private int pinned = -1;
    private boolean inMulti;
    /** MULTI was sent to the pinned server. */
    private boolean multiSent;
    /** The transaction had an error: EXEC discards it. */
    private boolean aborted;

    SessionModes(PoolRuntime pool, LoopState loopState, RequestOwner owner, ReplyQueue queue,
            ThreadLocalPool.Local<PendingRequest> slots) {
        this.pool = pool;
        this.codec = pool.protocol.sessionCodec();
        this.requests = new SessionRequests(pool, loopState, owner, queue, slots);
        this.connections = new DedicatedConnections(pool, loopState, owner);
        this.confirmations = new Confirmations(connections.servers());
        connections.pushesTo(this);
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
        if (subscribed()) {
            return routeSubscribed(request, role, decodeRun, upstream);
        }
        if (role.isSubscription()) {
            if (active()) {
                requests.answer(request, decodeRun,
                        requests.failure("nutjar: pub/sub is not available in a transaction or while watching keys"));
            } else {
                start(request, role, decodeRun, upstream);
            }
            return true;
        }
        return switch (role) {
            case MULTI -> multi(request, decodeRun);
            case EXEC, DISCARD -> end(request, role, decodeRun);
            case WATCH -> watch(request, decodeRun, upstream);
            case UNWATCH -> unwatch(request, decodeRun);
            case BLOCKING -> {
                if (active()) {
                    yield pinnedCommand(request, decodeRun, upstream, true);
                }
                block(request, decodeRun, upstream);
                yield true;
            }
            default -> active() && pinnedCommand(request, decodeRun, upstream, false);
        };
    }

    /** Whether the client is in a transaction, whose commands all go to one connection in order. */
    boolean inTransaction() {
        return inMulti;
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

    // ---------------------------------------------------------------- pub/sub

    /** Whether the client is subscribed to anything: then only (un)subscriptions, PING and QUIT are allowed. */
    boolean subscribed() {
        return subscriptions.any();
    }

    /**
     * Routes a request of a subscribed client.
     *
     * @return false when the request goes the usual way (QUIT, AUTH, unreadable requests' errors)
     */
    boolean routeSubscribed(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        switch (role) {
            case SUBSCRIBE, SSUBSCRIBE, PSUBSCRIBE -> subscribe(request, role, decodeRun, upstream);
            case UNSUBSCRIBE, SUNSUBSCRIBE, PUNSUBSCRIBE -> unsubscribe(request, role, decodeRun);
            case PING -> requests.answer(request, decodeRun, codec.subscribedPing(requests.alloc(), request));
            default -> {
                if (request.action() == Request.Action.LOCAL) {
                    return false; // QUIT, AUTH, and the errors of requests that cannot be read
                }
                requests.answer(request, decodeRun, codec.notAllowedWhileSubscribed(requests.alloc(), request));
            }
        }
        return true;
    }

    /** A (un)subscription of a client not subscribed yet. */
    void start(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        if (role == SessionRole.SUBSCRIBE || role == SessionRole.SSUBSCRIBE || role == SessionRole.PSUBSCRIBE) {
            subscribe(request, role, decodeRun, upstream);
        } else {
            unsubscribe(request, role, decodeRun);
        }
    }

    private void subscribe(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        int count = request.keyCount();
        byte[][] names = names(request);
        int[] serverOf = new int[count];
        for (int i = 0; i < count; i++) {
            serverOf[i] = role == SessionRole.PSUBSCRIBE ? Upstream.NO_SERVER : upstream.serverOf(request, i);
            if (role != SessionRole.PSUBSCRIBE && serverOf[i] == Upstream.NO_SERVER) {
                requests.failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
                return;
            }
        }
        for (int s = 0; s < connections.servers(); s++) {
            if ((role == SessionRole.PSUBSCRIBE || contains(serverOf, s)) && connections.open(s) == null) {
                closeUnused();
                requests.refused(request, decodeRun);
                return;
            }
        }
        ByteBuf reply = requests.alloc().buffer();
        for (int i = 0; i < count; i++) {
            subscriptions.add(role, names[i], serverOf[i]);
            codec.writeConfirmation(reply, role, names[i], subscriptions.count(role));
        }
        Confirmations.Reply confirmation = confirmations.reply(requests.queued(request, decodeRun), reply);
        for (int s = 0; s < connections.servers(); s++) {
            if (role == SessionRole.PSUBSCRIBE) {
                send(s, role, names, confirmation);
            } else if (contains(serverOf, s)) {
                send(s, role, namesOn(names, serverOf, s), confirmation);
            }
        }
        confirmation.allSent();
    }

    private void unsubscribe(Request request, SessionRole role, int decodeRun) {
        List<byte[]> names = request.keyCount() > 0 ? List.of(names(request)) : subscriptions.all(role);
        ByteBuf reply = requests.alloc().buffer();
        if (names.isEmpty()) {
            codec.writeConfirmation(reply, role, null, subscriptions.count(role));
        }
        List<List<byte[]>> byServer = new ArrayList<>(connections.servers());
        for (int s = 0; s < connections.servers(); s++) {
            byServer.add(new ArrayList<>());
        }
        for (byte[] name : names) {
            int server = subscriptions.remove(role, name);
            codec.writeConfirmation(reply, role, name, subscriptions.count(role));
            for (int s = 0; s < connections.servers(); s++) {
                if (server == s || (server == Upstream.NO_SERVER && role == SessionRole.PUNSUBSCRIBE)) {
                    byServer.get(s).add(name);
                }
            }
        }
        Confirmations.Reply confirmation = confirmations.reply(requests.queued(request, decodeRun), reply);
        // A server the client listens to nothing on any more loses its connection (and so every
        // subscription on it); the others are told what ends.
        closeUnused();
        for (int s = 0; s < connections.servers(); s++) {
            List<byte[]> onServer = byServer.get(s);
            if (connections.get(s) != null && !onServer.isEmpty()) {
                send(s, role, onServer.toArray(new byte[0][]), confirmation);
            }
        }
        confirmation.allSent();
    }

    /**
     * Sends {@code role} with {@code names} to server {@code s}'s connection: {@code confirmation}
     * waits for its server's confirmation of each name, so that a client told it is subscribed is.
     */
    private void send(int s, SessionRole role, byte[][] names, Confirmations.Reply confirmation) {
        ByteBuf command = codec.subscriptionCommand(requests.alloc(), role, names, names.length);
        try {
            connections.get(s).sendWithoutReply(command, command.readerIndex(), command.readableBytes());
        } finally {
            command.release();
        }
        confirmations.expect(s, confirmation, names.length);
    }

    /** Closes the connections of the servers the client listens to nothing on. */
    private void closeUnused() {
        for (int s = 0; s < connections.servers(); s++) {
            if (connections.get(s) != null && !subscriptions.anyOn(s)) {
                connections.release(s);
            }
        }
    }

    @Override
    public void pushed(int server, ByteBuf source, int index, int length) {
        if (!codec.isMessage(source, index, length)) {
            // A server's confirmation: the client gets the proxy's, with its totals, once all came.
            if (server >= 0) {
                confirmations.confirmed(server);
            }
            return;
        }
        requests.pushed(source, index, length);
    }

    @Override
    public void serverGone(int server) {
        confirmations.forget(server);
    }

    private static boolean contains(int[] servers, int server) {
        for (int s : servers) {
            if (s == server) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] namesOn(byte[][] names, int[] serverOf, int server) {
        int n = 0;
        for (int s : serverOf) {
            n += s == server ? 1 : 0;
        }
        byte[][] on = new byte[n][];
        for (int i = 0, j = 0; i < names.length; i++) {
            if (serverOf[i] == server) {
                on[j++] = names[i];
            }
        }
        return on;
    }

    private static byte[][] names(Request request) {
        byte[][] names = new byte[request.keyCount()][];
        for (int i = 0; i < names.length; i++) {
            names[i] = new byte[request.keyLength(i)];
            request.keyBuffer(i).getBytes(request.keyIndex(i), names[i]);
        }
        return names;
    }

    // ---------------------------------------------------------------- transactions

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
            requests.forward(connections.get(pinned), request, decodeRun, SessionRequests.Send.PLAIN);
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
            requests.forward(connections.get(pinned), request, decodeRun, SessionRequests.Send.HOLD_INPUT);
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
            requests.answer(request, decodeRun, requests.failure(otherServer(server)));
            return true;
        }
        if (pinned < 0) {
            if (connections.open(server) == null) {
                requests.refused(request, decodeRun);
                return true;
            }
            pinned = server;
        }
        requests.forward(connections.get(pinned), request, decodeRun, SessionRequests.Send.PLAIN);
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
        requests.forward(connections.get(pinned), request, decodeRun,
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
                block(request, decodeRun, upstream);
                return true;
            }
            requests.forward(connections.get(pinned), request, decodeRun,
                    blockingRole ? SessionRequests.Send.BLOCKING : SessionRequests.Send.PLAIN);
            return true;
        }
        if (server == Upstream.NO_SERVER) {
            abort();
            requests.failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
            return true;
        }
        if (pinned < 0 && oneServer) {
            if (connections.open(server) == null) {
                aborted = true;
                requests.refused(request, decodeRun);
                return true;
            }
            pinned = server;
        }
        if (!oneServer || server != pinned) {
            int other = server != pinned ? server : otherKeyServer(request, upstream, server);
            String reason = pinned >= 0 ? otherServer(other)
                    : "nutjar: the keys of this command are on servers '" + pool.serverName(server) + "' and '"
                            + pool.serverName(other) + "'; a transaction runs on one server: transaction discarded";
            abort();
            requests.answer(request, decodeRun, requests.failure(reason));
            return true;
        }
        if (!multiSent) {
            multiSent = true;
            connections.get(pinned).send(new Ignored(), codec.command(requests.alloc(), SessionRole.MULTI));
        }
        requests.forward(connections.get(pinned), request, decodeRun, SessionRequests.Send.PLAIN);
        return true;
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
            connections.get(pinned).send(new Ignored(), codec.command(requests.alloc(), SessionRole.DISCARD));
            multiSent = false;
        }
    }

    private void unpin() {
        if (pinned >= 0) {
            int server = pinned;
            pinned = -1;
            connections.release(server);
        }
    }

    private ByteBuf reply(SessionCodec.Reply reply) {
        return codec.reply(requests.alloc(), reply);
    }

    /** A request the proxy adds to the client's (MULTI, DISCARD): its reply is dropped. */
    private static final class Ignored extends Exchange {
        Ignored() {
            super(0);
        }

        @Override
        void replied(ByteBuf reply) {
            reply.release();
        }

        @Override
        void failed(String reason) {
        }
    }

    // ---------------------------------------------------------------- blocking commands

    /** Sends {@code request}, taken over, on the client's own connection to the server of its keys. */
    void block(Request request, int decodeRun, Upstream upstream) {
        int server = requests.oneServer(request, decodeRun, upstream);
        if (server < 0) {
            return;
        }
        BackendConnection connection = connections.open(server);
        if (connection == null) {
            requests.refused(request, decodeRun);
            return;
        }
        // Kept among the client's connections until it ends, so that a client leaving closes it:
        // Redis then forgets the wait.
        requests.forward(connection, request, decodeRun, SessionRequests.Send.BLOCKING);
        connection.closeWhenAnswered();
    }
}
