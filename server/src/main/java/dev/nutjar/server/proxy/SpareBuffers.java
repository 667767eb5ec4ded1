package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Buffers of one size that an event loop keeps for its next write batches and reads. A batch
 * buffer whose bytes have all reached the socket, or a read buffer whose bytes have all been
 * handled, comes back here rather than to Netty's pool: that pool's round trip (a recycled
 * wrapper, a thread-cache lookup, a reference-count reset, and the same back on release) took
 * about 7 % of the loop's time with pipelined clients, one buffer per client per turn.
 *
 * <p>Bounded by {@link #MAX_SPARE_BYTES}: buffers beyond it go back to Netty's pool. Used on the
 * loop's thread only; {@link #releaseAll} once the loop has stopped.
 */
final class SpareBuffers {
    /** The most bytes of spare buffers kept: 64 of the default 16 KiB chunks. */
    static final int MAX_SPARE_BYTES = 1 << 20;

    private final ByteBuf[] spares;
    private final int bufferSize;
    private int size;
    private boolean released;

    /** Spares for buffers of {@code chunkSize} bytes: as many as fit {@link #MAX_SPARE_BYTES}, at least 4. */
    SpareBuffers(int chunkSize) {
        this.spares = new ByteBuf[Math.max(4, MAX_SPARE_BYTES / chunkSize)];
        this.bufferSize = chunkSize;
    }

    /** The size of the buffers kept: {@link #recycle} keeps only these. */
    int bufferSize() {
        return bufferSize;
    }

    /**
     * An empty direct buffer of {@code capacity} bytes: a spare, or a new one from {@code alloc}.
     *
     * @return owned by the caller
     */
    ByteBuf take(ByteBufAllocator alloc, int capacity) {
        while (size > 0) {
            ByteBuf spare = spares[--size];
            spares[size] = null;
            if (spare.capacity() == capacity) {
                return spare.clear();
            }
            spare.release();
        }
        return alloc.directBuffer(capacity);
    }

    /**
     * Keeps {@code buffer} for a later {@link #take}, or releases it when the spares are full.
     *
     * @param buffer taken over; nobody else may hold a reference to it
     */
    void giveBack(ByteBuf buffer) {
        if (released || size == spares.length) {
            buffer.release();
        } else {
            spares[size++] = buffer;
        }
    }

    /**
     * Takes back a buffer its holder is done with: kept when it is a direct buffer of
     * {@link #bufferSize} bytes that nobody else holds (a spare handed out earlier, or one like it),
     * else released.
     *
     * @param buffer the caller's reference, taken over
     */
    void recycle(ByteBuf buffer) {
        if (buffer.refCnt() == 1 && buffer.capacity() == bufferSize && buffer.isDirect()) {
            giveBack(buffer);
        } else {
            buffer.release();
        }
    }

    /** How many buffers are kept now. */
    int size() {
        return size;
    }

    /** Releases every spare; buffers given back later are released at once. */
    void releaseAll() {
        released = true;
        while (size > 0) {
            ByteBuf spare = spares[--size];
            spares[size] = null;
            spare.release();
        }
    }
}
