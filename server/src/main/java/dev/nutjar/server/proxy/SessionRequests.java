package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.ThreadLocalPool;
import dev.nutjar.server.stats.PoolStat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Gives each request of a client's session ({@link SessionModes}) its place in the client's
 * {@link ReplyQueue}: answered by the proxy, failed, or forwarded on a connection of the client's
 * own; remembers the request the client's input waits for.
 */
final class SessionRequests {
    /** How {@link #forward} sends. */
    enum Send {
        PLAIN,
        /** The client's next requests wait for the reply. */
        HOLD_INPUT,
        /** As HOLD_INPUT, and without the pool's timeout: the command waits as long as it says. */
        BLOCKING
    }

    private final PoolRuntime pool;
    private final LoopState loopState;
    private final RequestOwner owner;
    private final ReplyQueue queue;
    private final ThreadLocalPool.Local<PendingRequest> slots;
    /**
     * The request whose reply the client's input waits for, or null: a blocking command, or the
     * end of a transaction, after which requests go to shared connections and must not overtake it.
     */
    private PendingRequest holding;
    /** The decoder run of the last request, for the messages written after it. */
    private int lastRun;

    SessionRequests(PoolRuntime pool, LoopState loopState, RequestOwner owner, ReplyQueue queue,
            ThreadLocalPool.Local<PendingRequest> slots) {
        this.pool = pool;
        this.loopState = loopState;
        this.owner = owner;
        this.queue = queue;
        this.slots = slots;
    }

    /** A request of the decoder's run {@code decodeRun} arrives: messages pushed after it are queued behind it. */
    void arrived(int decodeRun) {
        lastRun = decodeRun;
    }

    /** Whether the client's input waits for the reply of a blocking command or of a transaction's end. */
    boolean holding() {
        return holding != null;
    }

    /** A reply is written or kept for {@code request}: a held client may read again. */
    void answered(PendingRequest request) {
        if (request == holding) {
            holding = null;
        }
    }

    /** Sends the request as it is on {@code connection}; its reply is the client's. */
    void forward(BackendConnection connection, Request request, int decodeRun, Send send) {
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
    void answer(Request request, int decodeRun, ByteBuf reply) {
        queued(request, decodeRun).replied(reply);
    }

    /** A place in the queue for {@code request}, answered later. */
    PendingRequest queued(Request request, int decodeRun) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        queue.add(slot, decodeRun);
        return slot;
    }

    /** Answers {@code request}, taken over, with the error {@code reason} in its place. */
    void failed(Request request, int decodeRun, String reason) {
        PendingRequest slot = PendingRequest.of(slots, owner, request);
        slot.command = request.command();
        queue.add(slot, decodeRun);
        slot.failed(reason);
    }

    /** Answers {@code request}: the pool's dedicated connections are all taken. */
    void refused(Request request, int decodeRun) {
        loopState.counters.addPool(pool.id, PoolStat.DEDICATED_REFUSED, 1);
        answer(request, decodeRun, failure("nutjar: pool '" + pool.name + "' has no connection left for"
                + " pub/sub, transactions and blocking commands (dedicated_connections: " + pool.maxDedicated + ")"));
    }

    /**
     * A frame a server pushed (a pub/sub message), queued behind the client's last request.
     *
     * @param source holds it at {@code index}; still the caller's
     */
    void pushed(ByteBuf source, int index, int length) {
        PendingRequest slot = PendingRequest.of(slots, owner, null);
        queue.add(slot, lastRun);
        slot.replied(source, index, length);
    }

    /** The one server of the request's keys; or -1, after answering with the error. */
    int oneServer(Request request, int decodeRun, Upstream upstream) {
        int server = upstream.serverOf(request, 0);
        if (server == Upstream.NO_SERVER) {
            failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
            return -1;
        }
        for (int k = 1; k < request.keyCount(); k++) {
            if (upstream.serverOf(request, k) != server) {
                answer(request, decodeRun, upstream.crossServerReply(request, alloc()));
                return -1;
            }
        }
        return server;
    }

    /** The protocol's error reply for {@code reason}, owned by the caller. */
    ByteBuf failure(String reason) {
        return pool.protocol.failureReply(alloc(), reason);
    }

    ByteBufAllocator alloc() {
        return owner.allocator();
    }
}
