package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * One client's requests in flight, in the order they were read, and the writing of their replies
 * in that order, whichever server answers first; with when to flush what was written (one write
 * per batch of the client's requests, see {@link #scheduleFlush}).
 */
final class ReplyQueue {
    /** {@link #writeDue} and {@link #writeHeadInPlace} wrote bytes. */
    static final int WROTE = 1;
    /** They wrote the last reply: the connection closes once it is out. */
    static final int LAST = 2;

    private final ArrayDeque<PendingRequest> pending = new ArrayDeque<>();
    private final OutboundBatch replies;
    private final LoopState loop;
    private Channel channel;
    /** The {@link PendingRequest#decodeRun} of the last reply written. */
    private int lastWrittenRun;

    ReplyQueue(PoolRuntime pool, LoopState loop) {
        this.loop = loop;
        this.replies = new OutboundBatch(pool.buffers, loop.spares);
    }

    /** The client's channel, once known. */
    void attach(Channel channel) {
        this.channel = channel;
    }

    /** Puts {@code request} at the end of the queue, as read by the client decoder's run {@code decodeRun}. */
    void add(PendingRequest request, int decodeRun) {
        request.decodeRun = decodeRun;
        pending.add(request);
    }

    int size() {
        return pending.size();
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    boolean isHead(PendingRequest request) {
        return pending.peek() == request;
    }

    /**
     * Writes every reply at the head of the queue that has arrived, in request order, up to and
     * including a last reply.
     *
     * @return {@link #WROTE} and {@link #LAST} as they apply
     */
    int writeDue() {
        int written = 0;
        PendingRequest head;
        while ((head = pending.peek()) != null && head.done) {
            ByteBuf reply = head.reply;
            head.reply = null;
            if (head.replyLength > 0) {
                written |= WROTE;
            }
            int last = writeHead(head, reply, head.replyIndex, head.replyLength);
            reply.release();
            if (last != 0) {
                return written | last;
            }
        }
        return written;
    }

    /**
     * Writes the reply of the request at the head, found in a backend's input; copied when small.
     *
     * @param source holds the reply at {@code index}; still the caller's
     * @return {@link #LAST} when it was the last reply, else 0
     */
    int writeHeadInPlace(PendingRequest head, ByteBuf source, int index, int length) {
        return writeHead(head, source, index, length);
    }

    /** Takes the head off, writes its reply and releases it. */
    private int writeHead(PendingRequest head, ByteBuf holder, int index, int length) {
        pending.poll();
        lastWrittenRun = head.decodeRun;
        if (length > 0) {
            replies.write(channel, holder, index, length);
        }
        boolean last = head.closeAfterReply;
        head.release();
        return last ? LAST : 0;
    }

    /**
     * Writes part of the reply at the head as it arrives, flushed at the end of this loop iteration.
     *
     * @param chunk taken over
     */
    void writeStreamed(ByteBuf chunk, Flushable client) {
        replies.write(channel, chunk);
        loop.flushLater(client);
    }

    /**
     * Chooses when what was written goes out: at once when nothing more is due or a chunk's worth
     * waits; held briefly while replies to requests sent with those written are still due, so that
     * a pipeline spread over servers leaves in one write.
     */
    void scheduleFlush(Flushable client) {
        PendingRequest head = pending.peek();
        if (head == null) {
            // Everything answered: the client is waiting, send now.
            loop.flushRepliesLater(client);
        } else if (replies.holdsAChunk()) {
            loop.flushLater(client);
        } else if (head.decodeRun == lastWrittenRun) {
            // Replies are due to requests sent with these (a pipeline spread over servers):
            // one write for all of them rather than one per server, if they come soon.
            loop.holdReplies(client);
        } else {
            // What the client sent together is answered; its later requests may take long.
            loop.flushRepliesLater(client);
        }
    }

    /** Sends what was written. */
    void flush() {
        replies.flush(channel);
    }

    /** The client is gone: drops what was not written and releases every request in flight. */
    void discard() {
        replies.discard();
        PendingRequest p;
        while ((p = pending.poll()) != null) {
            p.release();
        }
    }
}
