package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionCodec;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.protocol.ThreadLocalPool;
import dev.nutjar.server.stats.PoolStat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's session on backend connections of its own ({@link DedicatedOwner}): pub/sub, a
 * transaction, a blocking command. Shared connections serve many clients, so what leaves state on
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
final class SessionModes implements DedicatedOwner {
    private final PoolRuntime pool;
    private final LoopState loopState;
    private final RequestOwner owner;
    private final ReplyQueue queue;
    private final ThreadLocalPool.Local<PendingRequest> slots;
    private final SessionCodec codec;
    /** By server: the client's own connection to it, or null. */
    private final BackendConnection[] connections;
    private final Subscriptions subscriptions = new Subscriptions();
    /** By server: the confirmations its connection still owes, in the order their commands were sent. */
    private final List<ArrayDeque<Due>> due;
    /** The server of the transaction or of the watched keys, or -1. */
    private int pinned = -1;
    private boolean inMulti;
    /** MULTI was sent to the pinned server. */
    private boolean multiSent;
    /** The transaction had an error: EXEC discards it. */
    private boolean aborted;
    /**
     * The request whose reply the client's input waits for, or null: a blocking command, or the
     * end of a transaction, after which requests go to shared connections and must not overtake it.
     */
    private PendingRequest holding;
    /** The decoder run of the last request, for the messages written after it. */
    private int lastRun;
    private boolean closed;

    SessionModes(PoolRuntime pool, LoopState loopState, RequestOwner owner, ReplyQueue queue,
            ThreadLocalPool.Local<PendingRequest> slots) {
        this.pool = pool;
        this.loopState = loopState;
        this.owner = owner;
        this.queue = queue;
        this.slots = slots;
        this.codec = pool.protocol.sessionCodec();
        this.connections = new BackendConnection[pool.serverCount()];
        this.due = new ArrayList<>(connections.length);
        for (int s = 0; s < connections.length; s++) {
            due.add(new ArrayDeque<>());
        }
    }

    /**
     * Routes {@code request} when the client's session decides where it goes.
     *
     * @param request taken over when this returns true
     * @return false when the request goes the usual way
     */
    boolean route(Request request, int decodeRun, Upstream upstream) {
        lastRun = decodeRun;
        SessionRole role = request.sessionRole();
        if (subscriptions.any()) {
            return routeSubscribed(request, role, decodeRun, upstream);
        }
        if (role.isSubscription()) {
            if (inMulti || pinned >= 0) {
                answer(request, decodeRun, failure("nutjar: pub/sub is not available in a transaction or while watching keys"));
                return true;
            }
            if (role == SessionRole.SUBSCRIBE || role == SessionRole.SSUBSCRIBE || role == SessionRole.PSUBSCRIBE) {
                subscribe(request, role, decodeRun, upstream);
            } else {
                unsubscribe(request, role, decodeRun);
            }
            return true;
        }
        return switch (role) {
            case MULTI -> multi(request, decodeRun);
            case EXEC, DISCARD -> endTransaction(request, role, decodeRun);
            case WATCH -> watch(request, decodeRun, upstream);
            case UNWATCH -> unwatch(request, decodeRun);
            case BLOCKING -> inMulti || pinned >= 0
                    ? pinnedCommand(request, decodeRun, upstream, true)
                    : block(request, decodeRun, upstream);
            default -> (inMulti || pinned >= 0) && pinnedCommand(request, decodeRun, upstream, false);
        };
    }

    /** Whether the client is in a transaction, whose commands all go to one connection in order. */
    boolean inTransaction() {
        return inMulti;
    }

    /** Whether the client's input waits for the reply of a blocking command or of a transaction's end. */
    boolean blocked() {
        return holding != null;
    }

    /** A reply is written or kept for {@code request}: a held client may read again. */
    void answered(PendingRequest request) {
        if (request == holding) {
            holding = null;
        }
    }

    // ---------------------------------------------------------------- pub/sub

    private boolean routeSubscribed(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        switch (role) {
            case SUBSCRIBE, SSUBSCRIBE, PSUBSCRIBE -> subscribe(request, role, decodeRun, upstream);
            case UNSUBSCRIBE, SUNSUBSCRIBE, PUNSUBSCRIBE -> unsubscribe(request, role, decodeRun);
            case PING -> answer(request, decodeRun, codec.subscribedPing(alloc(), request));
            default -> {
                if (request.action() == Request.Action.LOCAL) {
                    return false; // QUIT, AUTH, and the errors of requests that cannot be read
                }
                answer(request, decodeRun, codec.notAllowedWhileSubscribed(alloc(), request));
            }
        }
        return true;
    }

    private void subscribe(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        int count = request.keyCount();
        byte[][] names = names(request);
        int[] serverOf = new int[count];
        for (int i = 0; i < count; i++) {
            serverOf[i] = role == SessionRole.PSUBSCRIBE ? Upstream.NO_SERVER : upstream.serverOf(request, i);
            if (role != SessionRole.PSUBSCRIBE && serverOf[i] == Upstream.NO_SERVER) {
                failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
                return;
            }
        }
        for (int s = 0; s < connections.length; s++) {
            if ((role == SessionRole.PSUBSCRIBE || contains(serverOf, s)) && connection(s) == null) {
                closeUnused();
                refused(request, decodeRun);
                return;
            }
        }
        ByteBuf reply = alloc().buffer();
        for (int i = 0; i < count; i++) {
            subscriptions.add(role, names[i], serverOf[i]);
            codec.writeConfirmation(reply, role, names[i], subscriptions.count(role));
        }
        Confirmation confirmation = confirmation(request, decodeRun, reply);
        for (int s = 0; s < connections.length; s++) {
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
        ByteBuf reply = alloc().buffer();
        if (names.isEmpty()) {
            codec.writeConfirmation(reply, role, null, subscriptions.count(role));
        }
        List<List<byte[]>> byServer = new ArrayList<>(connections.length);
        for (int s = 0; s < connections.length; s++) {
            byServer.add(new ArrayList<>());
        }
        for (byte[] name : names) {
            int server = subscriptions.remove(role, name);
            codec.writeConfirmation(reply, role, name, subscriptions.count(role));
            for (int s = 0; s < connections.length; s++) {
                if (server == s || (server == Upstream.NO_SERVER && role == SessionRole.PUNSUBSCRIBE)) {
                    byServer.get(s).add(name);
                }
            }
        }
        Confirmation confirmation = confirmation(request, decodeRun, reply);
        // A server the client listens to nothing on any more loses its connection (and so every
        // subscription on it); the others are told what ends.
        closeUnused();
        for (int s = 0; s < connections.length; s++) {
            List<byte[]> onServer = byServer.get(s);
            if (connections[s] != null && !onServer.isEmpty()) {
                send(s, role, onServer.toArray(new byte[0][]), confirmation);
            }
        }
        confirmation.allSent();
    }

    /**
     * Sends {@code role} with {@code names} to server {@code s}'s connection: {@code confirmation}
     * waits for its server's confirmation of each name, so that a client told it is subscribed is.
     */
    private void send(int s, SessionRole role, byte[][] names, Confirmation confirmation) {
        ByteBuf command = codec.subscriptionCommand(alloc(), role, names, names.length);
        try {
            connections[s].sendWithoutReply(command, command.readerIndex(), command.readableBytes());
        } finally {
            command.release();
        }
        due.get(s).add(new Due(confirmation, names.length));
        confirmation.missing += names.length;
    }

    /** The reply to a (un)subscription, queued now and written once its servers confirmed. */
    private Confirmation confirmation(Request request, int decodeRun, ByteBuf reply) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        queue.add(slot, decodeRun);
        return new Confirmation(slot, reply);
    }

    /** Whatever server {@code s} still owes will not come: the client's replies waiting for it go out. */
    private void forgetDue(int s) {
        Due owed;
        while ((owed = due.get(s).poll()) != null) {
            owed.confirmation.arrived(owed.frames);
        }
    }

    /** A (un)subscription's reply, waiting for its servers' confirmations. */
    private static final class Confirmation {
        private final PendingRequest slot;
        private ByteBuf reply;
        int missing;
        private boolean allSent;

        Confirmation(PendingRequest slot, ByteBuf reply) {
            this.slot = slot;
            this.reply = reply;
        }

        void allSent() {
            allSent = true;
            arrived(0);
        }

        void arrived(int confirmations) {
            missing -= confirmations;
            if (missing == 0 && allSent && reply != null) {
                ByteBuf done = reply;
                reply = null;
                slot.replied(done);
            }
        }
    }

    /** Confirmations one server owes to one {@link Confirmation}. */
    private static final class Due {
        final Confirmation confirmation;
        int frames;

        Due(Confirmation confirmation, int frames) {
            this.confirmation = confirmation;
            this.frames = frames;
        }
    }

    /** Closes the connections of the servers the client listens to nothing on, outside a transaction. */
    private void closeUnused() {
        for (int s = 0; s < connections.length; s++) {
            if (connections[s] != null && s != pinned && !subscriptions.anyOn(s)) {
                BackendConnection connection = connections[s];
                connections[s] = null;
                forgetDue(s);
                connection.closeWhenAnswered();
            }
        }
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

    @Override
    public void pushed(BackendConnection connection, ByteBuf source, int index, int length) {
        if (closed || owner.gone()) {
            return;
        }
        if (!codec.isMessage(source, index, length)) {
            // A server's confirmation: the client gets the proxy's, with its totals, once all came.
            for (int s = 0; s < connections.length; s++) {
                Due owed = connections[s] == connection ? due.get(s).peek() : null;
                if (owed != null) {
                    if (--owed.frames == 0) {
                        due.get(s).poll();
                    }
                    owed.confirmation.arrived(1);
                }
            }
            return;
        }
        PendingRequest slot = PendingRequest.of(slots, owner, null);
        queue.add(slot, lastRun);
        slot.replied(source, index, length);
    }

    /** The client can take more, or no more: its subscriptions' messages are read accordingly. */
    void clientWritable(boolean writable) {
        for (BackendConnection connection : connections) {
            if (connection != null) {
                connection.readMessages(writable);
            }
        }
    }

    // ---------------------------------------------------------------- transactions

    private boolean multi(Request request, int decodeRun) {
        if (inMulti) {
            answer(request, decodeRun, codec.reply(alloc(), SessionCodec.Reply.NESTED_MULTI));
            return true;
        }
        inMulti = true;
        aborted = false;
        if (pinned >= 0) {
            multiSent = true;
            forward(connections[pinned], request, decodeRun, Send.PLAIN);
        } else {
            multiSent = false;
            answer(request, decodeRun, codec.reply(alloc(), SessionCodec.Reply.OK));
        }
        return true;
    }

    private boolean endTransaction(Request request, SessionRole role, int decodeRun) {
        boolean exec = role == SessionRole.EXEC;
        if (!inMulti) {
            answer(request, decodeRun, codec.reply(alloc(),
                    exec ? SessionCodec.Reply.EXEC_WITHOUT_MULTI : SessionCodec.Reply.DISCARD_WITHOUT_MULTI));
            return true;
        }
        if (multiSent && !aborted) {
            forward(connections[pinned], request, decodeRun, Send.HOLD_INPUT);
        } else if (aborted) {
            answer(request, decodeRun, codec.reply(alloc(),
                    exec ? SessionCodec.Reply.EXEC_ABORTED : SessionCodec.Reply.OK));
        } else {
            answer(request, decodeRun, codec.reply(alloc(),
                    exec ? SessionCodec.Reply.EMPTY_EXEC : SessionCodec.Reply.OK));
        }
        // EXEC and DISCARD forget the watched keys too: the pinned connection is done.
        inMulti = false;
        multiSent = false;
        aborted = false;
        unpin();
        return true;
    }

    private boolean watch(Request request, int decodeRun, Upstream upstream) {
        if (inMulti) {
            answer(request, decodeRun, codec.reply(alloc(), SessionCodec.Reply.WATCH_IN_MULTI));
            return true;
        }
        int server = sharedServer(request, decodeRun, upstream);
        if (server < 0) {
            return true;
        }
        if (pinned >= 0 && server != pinned) {
            answer(request, decodeRun, failure(otherServer(server)));
            return true;
        }
        if (pinned < 0) {
            if (connection(server) == null) {
                refused(request, decodeRun);
                return true;
            }
            pinned = server;
        }
        forward(connections[pinned], request, decodeRun, Send.PLAIN);
        return true;
    }

    private boolean unwatch(Request request, int decodeRun) {
        if (pinned < 0) {
            answer(request, decodeRun, codec.reply(alloc(), inMulti ? SessionCodec.Reply.QUEUED : SessionCodec.Reply.OK));
            return true;
        }
        if (inMulti && !multiSent) {
            answer(request, decodeRun, codec.reply(alloc(), SessionCodec.Reply.QUEUED));
            return true;
        }
        forward(connections[pinned], request, decodeRun, inMulti ? Send.PLAIN : Send.HOLD_INPUT);
        if (!inMulti) {
            unpin();
        }
        return true;
    }

    /**
     * A request while the client is in a transaction or watches keys: in the transaction, it goes
     * to the pinned server (pinning the client now if it is the first with a key); while watching,
     * to the pinned connection when its keys are there, else the usual way.
     */
    private boolean pinnedCommand(Request request, int decodeRun, Upstream upstream, boolean blockingRole) {
        Request.Action action = request.action();
        if (action == Request.Action.LOCAL || request.keyCount() == 0) {
            return false;
        }
        if (inMulti && aborted) {
            answer(request, decodeRun, codec.reply(alloc(), SessionCodec.Reply.QUEUED));
            return true;
        }
        int server = upstream.serverOf(request, 0);
        boolean oneServer = server != Upstream.NO_SERVER;
        for (int k = 1; oneServer && k < request.keyCount(); k++) {
            oneServer = upstream.serverOf(request, k) == server;
        }
        if (!inMulti) {
            if (!oneServer || server != pinned) {
                return blockingRole ? block(request, decodeRun, upstream) : false;
            }
            forward(connections[pinned], request, decodeRun, blockingRole ? Send.BLOCKING : Send.PLAIN);
            return true;
        }
        if (server == Upstream.NO_SERVER) {
            abort();
            failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
            return true;
        }
        if (pinned < 0 && oneServer) {
            if (connection(server) == null) {
                aborted = true;
                refused(request, decodeRun);
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
            answer(request, decodeRun, failure(reason));
            return true;
        }
        if (!multiSent) {
            multiSent = true;
            ByteBuf multi = codec.command(alloc(), SessionRole.MULTI);
            connections[pinned].send(new Ignored(), multi);
        }
        forward(connections[pinned], request, decodeRun, Send.PLAIN);
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
            connections[pinned].send(new Ignored(), codec.command(alloc(), SessionRole.DISCARD));
            multiSent = false;
        }
    }

    private void unpin() {
        if (pinned >= 0) {
            BackendConnection connection = connections[pinned];
            connections[pinned] = null;
            pinned = -1;
            connection.closeWhenAnswered();
        }
    }

    // ---------------------------------------------------------------- blocking commands

    private boolean block(Request request, int decodeRun, Upstream upstream) {
        int server = sharedServer(request, decodeRun, upstream);
        if (server < 0) {
            return true;
        }
        BackendConnection connection = connection(server);
        if (connection == null) {
            refused(request, decodeRun);
            return true;
        }
        // Kept in connections until it ends, so that a client leaving closes it: Redis then forgets the wait.
        forward(connection, request, decodeRun, Send.BLOCKING);
        connection.closeWhenAnswered();
        return true;
    }

    // ---------------------------------------------------------------- connections and replies

    /** The client's connection to {@code server}, opened now if need be; null at dedicated_connections. */
    private BackendConnection connection(int server) {
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

    @Override
    public void ended(BackendConnection connection, boolean unexpectedly) {
        pool.dedicatedClosed();
        for (int s = 0; s < connections.length; s++) {
            if (connections[s] == connection) {
                connections[s] = null;
                forgetDue(s);
                if (unexpectedly && !closed) {
                    // The session's state went with the connection: the client must start again.
                    closed = true;
                    owner.sessionLost();
                }
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
                forgetDue(s);
                connection.close();
            }
        }
    }

    /** The one server of the request's keys; or -1, after answering with the error. */
    private int sharedServer(Request request, int decodeRun, Upstream upstream) {
        int server = upstream.serverOf(request, 0);
        if (server == Upstream.NO_SERVER) {
            failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
            return -1;
        }
        for (int k = 1; k < request.keyCount(); k++) {
            if (upstream.serverOf(request, k) != server) {
                answer(request, decodeRun, request.crossServerReply(alloc()));
                return -1;
            }
        }
        return server;
    }

    /** How {@link #forward} sends. */
    private enum Send {
        PLAIN,
        /** The client's next requests wait for the reply. */
        HOLD_INPUT,
        /** As HOLD_INPUT, and without the pool's timeout: the command waits as long as it says. */
        BLOCKING
    }

    /** Sends the request as it is on {@code connection}; its reply is the client's. */
    private void forward(BackendConnection connection, Request request, int decodeRun, Send send) {
        PendingRequest slot = PendingRequest.of(slots, owner, request.replyKind());
        slot.command = request.command();
        queue.add(slot, decodeRun);
        if (send != Send.PLAIN) {
            holding = slot;
        }
        if (send == Send.BLOCKING) {
            connection.sendWithoutDeadline(slot, request.frameSource(), request.frameIndex(), request.frameLength());
        } else {
            connection.send(slot, request.frameSource(), request.frameIndex(), request.frameLength());
        }
        request.release();
    }

    /** @param reply taken over */
    private void answer(Request request, int decodeRun, ByteBuf reply) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        queue.add(slot, decodeRun);
        slot.replied(reply);
    }

    private void failed(Request request, int decodeRun, String reason) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        slot.command = request.command();
        queue.add(slot, decodeRun);
        slot.failed(reason);
    }

    private void refused(Request request, int decodeRun) {
        loopState.counters.addPool(pool.id, PoolStat.DEDICATED_REFUSED, 1);
        answer(request, decodeRun, failure("nutjar: pool '" + pool.name + "' has no connection left for"
                + " pub/sub, transactions and blocking commands (dedicated_connections: " + pool.maxDedicated + ")"));
    }

    private ByteBuf failure(String reason) {
        return pool.protocol.failureReply(alloc(), reason);
    }

    private ByteBufAllocator alloc() {
        return owner.allocator();
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
}
