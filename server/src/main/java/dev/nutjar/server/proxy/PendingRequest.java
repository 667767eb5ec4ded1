package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.Split;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;

/**
 * A client request whose reply has its place in the client's reply queue. For a forwarded request
 * it is also the backend exchange; a split request waits for all its {@link Fragment}s.
 *
 * <p>Pooled per thread: it goes back to the pool once both its client and its backend connection
 * are done with it (a request that timed out stays on the backend connection until its reply is
 * read). A split request's slot is not pooled: its fragments may outlive the client's interest.
 */
final class PendingRequest extends Exchange {
    private static final ThreadLocalPool<PendingRequest> POOL = new ThreadLocalPool<>(PendingRequest::new);

    ClientConnection client;
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
    /** The client decoder's run that read the request: set by the client as it queues this slot. */
    int decodeRun;
    Split split;
    int fragmentsLeft;
    /** The reply is being passed on as it arrives (see {@link BackendConnection}): part of it may be out. */
    boolean streamed;

    /** The client, and the backend connection while it awaits the reply. */
    private int holders;
    private boolean pooled;
    /** The list this slot came from and goes back to. */
    private ThreadLocalPool.Local<PendingRequest> home;

    private PendingRequest() {
        super(0);
    }

    /** This thread's list of spare slots, for a client connection to keep and pass to {@code of}. */
    static ThreadLocalPool.Local<PendingRequest> localPool() {
        return POOL.local();
    }

    /**
     * @param from the client's {@link #localPool()}
     * @param request taken over (released with this slot); null for a slot without a request
     */
    static PendingRequest of(ThreadLocalPool.Local<PendingRequest> from, ClientConnection client, Request request) {
        PendingRequest slot = of(from, client, request == null ? 0 : request.replyKind());
        slot.request = request;
        return slot;
    }

    /**
     * A slot for a forwarded request, which the caller keeps and releases itself.
     *
     * @param from the client's {@link #localPool()}
     * @param replyKind the request's {@link Request#replyKind()}
     */
    static PendingRequest of(ThreadLocalPool.Local<PendingRequest> from, ClientConnection client, int replyKind) {
        PendingRequest slot = from.get();
        slot.home = from;
        slot.client = client;
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
            client = null;
            request = null;
            reply = null;
            replyIndex = 0;
            replyLength = 0;
            done = false;
            closeAfterReply = false;
            split = null;
            fragmentsLeft = 0;
            streamed = false;
            deadline = 0;
            abandoned = false;
            requestBytes = 0;
            replyKind = 0;
            ThreadLocalPool.Local<PendingRequest> from = home;
            home = null;
            from.recycle(this);
        }
    }

    @Override
    void complete(ByteBuf reply) {
        finish(reply);
    }

    @Override
    void complete(ByteBuf source, int index, int length) {
        if (!streamed && !done && client.isNextReply(this)) {
            client.headReplied(this, source, index, length);
        } else {
            finish(source.retain(), index, length);
        }
    }

    @Override
    void fail(String reason) {
        client.countForwardError();
        if (streamed) {
            // No error can follow a reply cut short: the client is closed instead.
            client.cutShort();
            return;
        }
        finish(client.pool.protocol.failureReply(client.allocator(), reason));
    }

    /**
     * From now on the reply is passed on as it arrives; only when {@link ClientConnection#isNextReply}.
     *
     * @param bytes the size of the reply, for the client's reply-size estimate
     */
    void startStream(int bytes) {
        streamed = true;
        client.replySized(bytes);
    }

    /**
     * Writes the next bytes of the streamed reply, or drops them when nobody awaits them.
     *
     * @param chunk taken over
     */
    void streamChunk(ByteBuf chunk) {
        if (abandoned || done || client.closed) {
            chunk.release();
        } else {
            client.writeStreamed(chunk);
        }
    }

    /**
     * Sets the reply (for a streamed one, its last bytes) and lets the client write every reply
     * that is now at the head of its queue.
     *
     * @param reply taken over
     */
    void finish(ByteBuf reply) {
        finish(reply, reply.readerIndex(), reply.readableBytes());
    }

    /**
     * As {@link #finish(ByteBuf)}, for a reply at {@code index} of {@code holder}.
     *
     * @param holder one reference taken over
     */
    void finish(ByteBuf holder, int index, int length) {
        if (done || client.closed) {
            holder.release();
            return;
        }
        this.reply = holder;
        this.replyIndex = index;
        this.replyLength = length;
        this.done = true;
        if (!streamed) {
            client.replySized(length); // a streamed reply was sized when it started
        }
        client.replyReady();
    }

    void fragmentReplied(int fragment, ByteBuf reply) {
        if (split == null) {
            reply.release();
            return;
        }
        split.reply(fragment, reply);
        fragmentDone();
    }

    void fragmentFailed(int fragment, String reason) {
        if (split == null) {
            return;
        }
        split.fail(fragment, reason);
        fragmentDone();
    }

    private void fragmentDone() {
        if (--fragmentsLeft == 0) {
            ByteBuf merged = split.merge(client.allocator());
            split.release();
            split = null;
            finish(merged);
        }
    }

    /** Releases everything this request still holds: the client is done with it. */
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
        void complete(ByteBuf reply) {
            parent.fragmentReplied(index, reply);
        }

        @Override
        void fail(String reason) {
            parent.fragmentFailed(index, reason);
        }
    }
}
