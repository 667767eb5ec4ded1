package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelProgressiveFutureListener;

/**
 * Coalesces small writes to one channel into one buffer, so a batch of small requests or replies
 * reaches the socket as one buffer rather than a long gather list. Large payloads pass through as
 * they are, without a copy. Both sizes come from the proxy's {@link BufferSettings}.
 *
 * <p>Batch buffers come from the loop's {@link SpareBuffers} and go back there when the flush
 * wrote them whole: each passed to the channel stays retained by this batch ({@link #lent})
 * until the flush shows whether the channel still holds it.
 */
final class OutboundBatch {
    /** Payloads up to this size are copied into the batch. */
    private final int coalesceLimit;
    /** The size of each batch buffer. */
    private final int chunk;

    private final SpareBuffers spares;

    private ByteBuf batch;
    /** The batch buffers passed to the channel since the last flush, each with a reference of ours. */
    private final ByteBuf[] lent = new ByteBuf[MAX_LENT];
    private int lentCount;
    /** Bytes written since the last flush. */
    private int unflushedBytes;
    /** Told of the progress of large payloads to the socket; or null. */
    private ChannelProgressiveFutureListener progress;

    OutboundBatch(BufferSettings settings, SpareBuffers spares) {
        this.coalesceLimit = settings.coalesceLimit();
        this.chunk = settings.chunkSize();
        this.spares = spares;
    }

    /**
     * From now on, payloads of at least {@link #PROGRESS_MIN} bytes are written with a promise that
     * tells {@code listener} each time the socket takes part of them, and when it has all.
     */
    void reportProgressTo(ChannelProgressiveFutureListener listener) {
        this.progress = listener;
    }

    /** Payloads smaller than this reach the socket's buffer in one call: nothing to report. */
    static final int PROGRESS_MIN = 64 * 1024;

    /**
     * Writes {@code payload} to {@code channel}, unflushed.
     *
     * @param payload taken over: copied and released, or passed to the channel
     */
    void write(Channel channel, ByteBuf payload) {
        int size = payload.readableBytes();
        unflushedBytes += size;
        if (size <= coalesceLimit) {
            ensureRoom(channel, size);
            batch.writeBytes(payload);
            payload.release();
        } else {
            writeBatch(channel);
            writeLarge(channel, payload);
        }
    }

    /** @param payload taken over by the channel */
    private void writeLarge(Channel channel, ByteBuf payload) {
        if (progress != null && payload.readableBytes() >= PROGRESS_MIN) {
            channel.write(payload, channel.newProgressivePromise().addListener(progress));
        } else {
            channel.write(payload, channel.voidPromise());
        }
    }

    /**
     * Writes {@code length} bytes of {@code source} from {@code index} to {@code channel},
     * unflushed: copied when small, else passed on as a retained view.
     *
     * @param source still the caller's; neither released nor retained, unless as a view passed on
     */
    void write(Channel channel, ByteBuf source, int index, int length) {
        unflushedBytes += length;
        if (length <= coalesceLimit) {
            ensureRoom(channel, length);
            batch.writeBytes(source, index, length);
        } else {
            writeBatch(channel);
            writeLarge(channel, Frames.retainedView(source, index, length));
        }
    }

    private void ensureRoom(Channel channel, int size) {
        if (batch == null) {
            batch = spares.take(channel.alloc(), chunk);
        } else if (batch.writableBytes() < size) {
            lend(channel, batch);
            batch = spares.take(channel.alloc(), chunk);
        }
    }

    /** Flushes everything written so far. */
    void flush(Channel channel) {
        unflushedBytes = 0;
        writeBatch(channel);
        channel.flush();
        for (int i = 0; i < lentCount; i++) {
            ByteBuf buffer = lent[i];
            lent[i] = null;
            // Written whole, the channel has released its reference: the buffer is ours again.
            if (buffer.refCnt() == 1) {
                spares.giveBack(buffer);
            } else {
                buffer.release();
            }
        }
        lentCount = 0;
    }

    private void writeBatch(Channel channel) {
        if (batch != null) {
            if (batch.isReadable()) {
                lend(channel, batch);
            } else {
                spares.giveBack(batch);
            }
            batch = null;
        }
    }

    /**
     * Passes {@code full} to the channel, keeping a reference to take it back after the flush;
     * past {@link #MAX_LENT} buffers before one flush, the rest are left to the channel.
     */
    private void lend(Channel channel, ByteBuf full) {
        if (lentCount < MAX_LENT) {
            lent[lentCount++] = full.retain();
        }
        channel.write(full, channel.voidPromise());
    }

    /** Batch buffers taken back per flush: a flush of more than this many chunks is rare. */
    private static final int MAX_LENT = 4;

    /** Whether at least a chunk's worth of bytes waits to be flushed. */
    boolean holdsAChunk() {
        return unflushedBytes >= chunk;
    }

    /** Drops what was not written, when the channel is gone. */
    void discard() {
        unflushedBytes = 0;
        if (batch != null) {
            batch.release();
            batch = null;
        }
        for (int i = 0; i < lentCount; i++) {
            lent[i].release();
            lent[i] = null;
        }
        lentCount = 0;
    }
}
