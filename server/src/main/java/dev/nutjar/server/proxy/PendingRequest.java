package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.Split;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;

/**
 * A client request whose reply has its place in its owner's {@link ReplyQueue}. For a forwarded
 * request it is also the backend exchange; a split request waits for all its {@link Fragment}s.
 * It reports to its {@link RequestOwner} and to nothing else.
 *
 * <p>Pooled per thread: it goes back to the pool once both its owner and its backend connection
 * are done with it (a request that timed out stays on the backend connection until its reply is
 * read). A split request's slot is not pooled: its fragments may outlive the client's interest.
 */
final class PendingRequest extends Exchange {
    private static final ThreadLocalPool<PendingRequest> POOL = new ThreadLocalPool<>(PendingRequest::new);

    RequestOwner owner;
    /** Owned until the reply is written; released then. */
    Request request;
    /**
     * Holds the reply, once known, at {@link #replyIndex} for {@link #replyLength} bytes: a
     * buffer of its own, or the backend's input retained (no view is made of a reply in place).
     * One reference owned until written to the client.
     */
    ByteBuf reply;
    int replyIndex;
    int replyLength;
    boolean done;
    boolean closeAfterReply;
    /** The client decoder's run that read the request: set as the request is queued. */
    int decodeRun;
    Split split;
    int fragmentsLeft;
    /** The reply is being passed on as it arrives (see {@link BackendConnection}): part of it may be out. */
    boolean streamed;
    /** The request's {@link Request#command()}, for the per-command error count. */
    int command = Request.NO_COMMAND;

    /** The owner, and the backend connection while it awaits the reply. */
    private int holders;
    private boolean pooled;
    /** The list this slot came from and goes back to. */
    private ThreadLocalPool.Local<PendingRequest> home;

    private PendingRequest() {
        super(0);
    }

    /** This thread's list of spare slots, for a client session to keep and pass to {@code of}. */
    static ThreadLocalPool.Local<PendingRequest> localPool() {
        return POOL.local();
    }

    /**
     * @param from the owner's {@link #localPool()}
     * @param request taken over (released with this slot); null for a slot without a request
     */
    static PendingRequest of(ThreadLocalPool.Local<PendingRequest> from, RequestOwner owner, Request request) {
        PendingRequest slot = of(from, owner, request == null ? 0 : request.replyKind());
        slot.request = request;
        return slot;
    }

    /**
     * A slot for a forwarded request, which the caller keeps and releases itself.
     *
     * @param from the owner's {@link #localPool()}
     * @param replyKind the request's {@link Request#replyKind()}
     */
    static PendingRequest of(ThreadLocalPool.Local<PendingRequest> from, RequestOwner owner, int replyKind) {
        PendingRequest slot = from.get();
        slot.home = from;
        slot.owner = owner;
        slot.replyKind = replyKind;
        slot.holders = 1;
        slot.pooled = true;
        return slot;
    }

    /** This slot waits for fragments: it is left to the garbage collector, never reused. */
    void splitInto(Split split) {
        this.split = split;
        this.fragmentsLeft = split.fragmentCount();
        this.pooled = false;
    }

    @Override
    void heldByBackend() {
        holders++;
    }

    @Override
    void releasedByBackend() {
        drop();
    }

    private void drop() {
        if (--holders == 0 && pooled) {
            owner = null;
            request = null;
            reply = null;
            replyIndex = 0;
            replyLength = 0;
            done = false;
            closeAfterReply = false;
            split = null;
            fragmentsLeft = 0;
            streamed = false;
            command = Request.NO_COMMAND;
            deadline = 0;
            abandoned = false;
            requestBytes = 0;
            replyKind = 0;
            ThreadLocalPool.Local<PendingRequest> from = home;
            home = null;
            from.recycle(this);
        }
    }

    /**
     * The reply arrived, or was made here (a local reply, an error, a merged split): the owner
     * writes every reply that is now due. For a streamed reply, its last bytes.
     *
     * @param reply taken over
     */
    @Override
    void replied(ByteBuf reply) {
        keep(reply, reply.readerIndex(), reply.readableBytes());
    }

    @Override
    void replied(ByteBuf source, int index, int length) {
        if (!streamed && !done && owner.awaitsNext(this)) {
            done = true;
            owner.repliedInPlace(this, source, index, length);
        } else {
            keep(source.retain(), index, length);
        }
    }

    @Override
    void failed(String reason) {
        owner.forwardFailed(command);
        if (streamed) {
            // No error can follow a reply cut short: the client is closed instead.
            owner.streamCutShort();
            return;
        }
        replied(owner.errorReply(reason));
    }

    /**
     * Whether the reply may be passed on as it arrives: only when the owner awaits it next.
     * Never for a fragment of a split request, whose replies are merged.
     */
    boolean streamable() {
        return !abandoned && owner.awaitsNext(this);
    }

    /**
     * From now on the reply is passed on as it arrives ({@link #streamable}).
     *
     * @param bytes the size of the reply, for the owner's reply-size estimate
     */
    void streamStarts(int bytes) {
        streamed = true;
        owner.streamStarts(this, bytes);
    }

    /**
     * Passes on the next bytes of the streamed reply, or drops them when nobody awaits them.
     *
     * @param chunk taken over
     */
    void streamed(ByteBuf chunk) {
        if (abandoned || done || owner.gone()) {
            chunk.release();
        } else {
            owner.streamed(chunk);
        }
    }

    /**
     * Keeps the reply at {@code index} of {@code holder} until the owner writes it.
     *
     * @param holder one reference taken over
     */
    private void keep(ByteBuf holder, int index, int length) {
        if (done || owner.gone()) {
            holder.release();
            return;
        }
        this.reply = holder;
        this.replyIndex = index;
        this.replyLength = length;
        this.done = true;
        owner.replied(this);
    }

    private void fragmentReplied(int fragment, ByteBuf reply) {
        if (split == null) {
            reply.release();
            return;
        }
        split.reply(fragment, reply);
        fragmentDone();
    }

    private void fragmentFailed(int fragment, String reason) {
        if (split == null) {
            return;
        }
        split.fail(fragment, reason);
        fragmentDone();
    }

    private void fragmentDone() {
        if (--fragmentsLeft == 0) {
            ByteBuf merged = split.merge(owner.allocator());
            split.release();
            split = null;
            replied(merged);
        }
    }

    /** Releases everything this request still holds: the owner is done with it. */
    void release() {
        if (request != null) {
            request.release();
            request = null;
        }
        if (reply != null) {
            reply.release();
            reply = null;
        }
        if (split != null) {
            split.release();
            split = null;
        }
        drop();
    }

    /** One server's part of a split request. */
    static final class Fragment extends Exchange {
        private final PendingRequest parent;
        private final int index;

        Fragment(PendingRequest parent, int index, int replyKind) {
            super(replyKind);
            this.parent = parent;
            this.index = index;
        }

        @Override
        void replied(ByteBuf reply) {
            parent.fragmentReplied(index, reply);
        }

        @Override
        void failed(String reason) {
            parent.fragmentFailed(index, reason);
        }
    }
}
