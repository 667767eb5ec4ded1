package dev.nutjar.server.proxy;

import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.protocol.Split;
import dev.nutjar.protocol.ThreadLocalPool;
import dev.nutjar.server.stats.PoolStat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Sends each request a client session decoded where it goes: answered on the spot, forwarded to
 * the server of its key, or split over the servers of its keys; each gets its place in the
 * session's {@link ReplyQueue} first. Allocates nothing per forwarded request: its slot comes from
 * the loop's pool.
 */
final class RequestRouter {
    private final PoolRuntime pool;
    private final LoopState loopState;
    /** The pool's upstream on this loop, read again at each run of the decoder: a reload replaces it. */
    private Upstream upstream;
    private final RequestOwner owner;
    private final ReplyQueue queue;
    /** Spare request slots of the loop's thread (the session is made on it). */
    private final ThreadLocalPool.Local<PendingRequest> slots = PendingRequest.localPool();
    private int[] serverOfKey = new int[16];
    /** Pub/sub, transactions and blocking commands: made when the client first sends one. */
    private SessionModes sessions;

    RequestRouter(PoolRuntime pool, LoopState loopState, RequestOwner owner, ReplyQueue queue) {
        this.pool = pool;
        this.loopState = loopState;
        this.upstream = loopState.upstream(pool);
        this.owner = owner;
        this.queue = queue;
    }

    /**
     * A run of the decoder starts: its requests route by the pool's current upstream, which a reload
     * may have replaced since the last run. One field read per run, no lock.
     */
    void runStarts() {
        upstream = loopState.upstream(pool);
    }

    /**
     * Routes {@code request}, read in the decoder's run {@code decodeRun}.
     *
     * @param request taken over
     * @return whether the connection closes after this request's reply: nothing more is read
     */
    boolean route(Request request, int decodeRun) {
        loopState.metrics.request(pool.id, request.command());
        if (sessions != null || request.sessionRole().startsSession()) {
            if (sessions == null) {
                sessions = new SessionModes(pool, loopState, owner, queue, slots);
            }
            if (sessions.route(request, decodeRun, upstream)) {
                return false;
            }
        }
        switch (request.action()) {
            case LOCAL -> {
                return answerLocally(request, decodeRun);
            }
            case FORWARD -> forward(request, decodeRun);
            case SPLIT -> split(request, decodeRun);
            case FAN_OUT -> fanOut(request, decodeRun);
        }
        return false;
    }

    // ---------------------------------------------------------------- sessions (see SessionModes)

    /**
     * Whether {@code request} must wait until every earlier request of the client is answered: it
     * may start sending the client's requests on a connection of its own, which must not overtake
     * those still on shared connections.
     */
    boolean waitsForEarlier(Request request) {
        return request.sessionRole().waitsForEarlier() && (sessions == null || !sessions.inTransaction());
    }

    /** Whether the client's next requests wait for the reply to a blocking command. */
    boolean blocked() {
        return sessions != null && sessions.blocked();
    }

    /** {@code request} has its reply now. */
    void answered(PendingRequest request) {
        if (sessions != null) {
            sessions.answered(request);
        }
    }

    /** Whether the client can take more replies: its subscriptions' messages are read as it can. */
    void clientWritable(boolean writable) {
        if (sessions != null) {
            sessions.clientWritable(writable);
        }
    }

    /** The client left: its own backend connections close. */
    void clientGone() {
        if (sessions != null) {
            sessions.clientGone();
        }
    }

    /** The client sent what cannot be read: its error reply, after which the connection closes. */
    void rejected(ProtocolException e, int decodeRun) {
        PendingRequest slot = PendingRequest.of(slots, owner, null);
        slot.closeAfterReply = true;
        queue.add(slot, decodeRun);
        ByteBuf reply = e.reply() == null
                ? Unpooled.EMPTY_BUFFER
                : Unpooled.copiedBuffer(e.reply(), StandardCharsets.UTF_8);
        slot.replied(reply);
    }

    private boolean answerLocally(Request request, int decodeRun) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        boolean last = request.closeAfterReply();
        slot.closeAfterReply = last;
        queue.add(slot, decodeRun);
        ByteBuf reply = request.localReply(owner.allocator());
        slot.replied(reply == null ? Unpooled.EMPTY_BUFFER : reply);
        return last;
    }

    private void forward(Request request, int decodeRun) {
        int keys = request.keyCount();
        int server = upstream.serverOf(request, 0);
        if (keys > 1 && request.keysMustShareServer()) {
            for (int k = 1; k < keys; k++) {
                if (upstream.serverOf(request, k) != server) {
                    PendingRequest slot = PendingRequest.of(slots, owner, request);
                    queue.add(slot, decodeRun);
                    slot.replied(upstream.crossServerReply(request, owner.allocator()));
                    return;
                }
            }
        }
        boolean expectsReply = request.expectsReply();
        // A noreply request has no place in the reply queue: it gets no slot at all. The slot
        // does not keep the request: once its bytes are on their way, only its reply kind matters.
        PendingRequest slot = expectsReply ? PendingRequest.of(slots, owner, request.replyKind()) : null;
        if (expectsReply) {
            slot.command = request.command();
            queue.add(slot, decodeRun);
        }
        if (server == Upstream.NO_SERVER) {
            request.release();
            if (expectsReply) {
                slot.failed(FailureReasons.NO_LIVE_SERVER);
            }
            return;
        }
        if (expectsReply) {
            if (request.readOnly()) {
                upstream.sendRead(server, slot, request.frameSource(), request.frameIndex(), request.frameLength());
            } else {
                upstream.send(server, slot, request.frameSource(), request.frameIndex(), request.frameLength());
            }
        } else {
            upstream.connection(server).sendWithoutReply(request.frameSource(), request.frameIndex(),
                    request.frameLength());
        }
        // Copied into the backend's batch, or passed on as a view of its own: released now, so the
        // request's objects go back to their pools while still in cache, and the client's input
        // buffer is free again once the last request read from it is forwarded.
        request.release();
    }

    private void split(Request request, int decodeRun) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        slot.command = request.command();
        int keys = request.keyCount();
        if (serverOfKey.length < keys) {
            serverOfKey = new int[Math.max(keys, serverOfKey.length * 2)];
        }
        queue.add(slot, decodeRun);
        for (int k = 0; k < keys; k++) {
            int server = upstream.serverOf(request, k);
            if (server == Upstream.NO_SERVER) {
                slot.failed(FailureReasons.NO_LIVE_SERVER);
                return;
            }
            serverOfKey[k] = server;
        }
        ByteBufAllocator alloc = owner.allocator();
        Split split = request.split(serverOfKey, alloc);
        loopState.counters.addPool(pool.id, PoolStat.FRAGMENTS, split.fragmentCount());
        loopState.counters.addPool(pool.id, PoolStat.MULTIKEY_REQUESTS, 1);
        sendFragments(slot, split, request.readOnly(), null);
    }

    /**
     * Sends a request to the servers it names whatever its keys (every server of the pool, or the
     * one a SCAN cursor names), by the pool's generation that the upstream routes by.
     */
    private void fanOut(Request request, int decodeRun) {
        FanOutServers servers = upstream.fanOutServers(loopState.generation(pool.id).description);
        if (servers == null) {
            refuse(request, decodeRun, FailureReasons.NO_CLUSTER_MASTER);
            return;
        }
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        slot.command = request.command();
        queue.add(slot, decodeRun);
        ByteBufAllocator alloc = owner.allocator();
        Split split = request.fanOut(servers.view(), alloc);
        if (split.fragmentCount() == 0) {
            ByteBuf reply = split.merge(alloc);
            split.release();
            slot.replied(reply);
            return;
        }
        sendFragments(slot, split, false, servers);
    }

    /** Answers {@code request}, taken over, with the error {@code reason} in its place. */
    private void refuse(Request request, int decodeRun, String reason) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        slot.command = request.command();
        queue.add(slot, decodeRun);
        slot.failed(reason);
    }

    /**
     * @param readOnly whether the fragments only read: a replica may answer them
     * @param servers those of a fan-out, which its fragments name; null for a split by keys
     */
    private void sendFragments(PendingRequest slot, Split split, boolean readOnly, FanOutServers servers) {
        slot.splitInto(split);
        int replyKind = split.replyKind();
        for (int f = 0, fragments = split.fragmentCount(); f < fragments; f++) {
            ByteBuf bytes = split.takeRequest(f);
            PendingRequest.Fragment fragment = new PendingRequest.Fragment(slot, f, replyKind);
            if (servers != null) {
                servers.send(split.server(f), fragment, bytes);
            } else if (readOnly) {
                upstream.sendRead(split.server(f), fragment, bytes);
            } else {
                upstream.send(split.server(f), fragment, bytes);
            }
        }
    }
}
