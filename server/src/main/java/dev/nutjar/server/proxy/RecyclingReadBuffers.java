package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.internal.CleanableDirectBuffer;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayDeque;

/**
 * Read buffers of one size whose memory comes back here when the last reference to them is
 * released, wherever that happens: a large value is held as many reads (a composite, see
 * {@link Cumulation#cumulate}) until it has been written on, and those reads are then
 * released one by one by Netty. Netty's pool gives such memory back to the system once a whole
 * chunk of it is free, and takes new memory, zeroed and faulted in page by page, for the next
 * large value: most of the proxy's time for a 16 MiB SET. Kept here, it is reused as it is, as
 * nutcracker reuses its mbufs.
 *
 * <p>Bounded: at most {@code maxKept} buffers are kept; more are freed. Thread-safe, though used by
 * one event loop: a buffer may be released by another thread.
 */
final class RecyclingReadBuffers {
    private final int bufferSize;
    private final int maxKept;
    private final ArrayDeque<CleanableDirectBuffer> free = new ArrayDeque<>();

    /**
     * @param bufferSize the size of every buffer
     * @param maxKeptBytes the most bytes of free buffers kept
     */
    RecyclingReadBuffers(int bufferSize, long maxKeptBytes) {
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("buffer size must be > 0 (was: " + bufferSize + ")");
        }
        this.bufferSize = bufferSize;
        this.maxKept = (int) Math.min(Integer.MAX_VALUE, maxKeptBytes / bufferSize);
    }

    int bufferSize() {
        return bufferSize;
    }

    /**
     * An empty buffer of {@link #bufferSize} bytes.
     *
     * @return owned by the caller; its memory comes back here when it is released
     */
    ByteBuf take(ByteBufAllocator alloc) {
        CleanableDirectBuffer memory;
        synchronized (free) {
            memory = free.pollLast();
        }
        if (memory == null) {
            memory = PlatformDependent.allocateDirect(bufferSize);
        }
        memory.buffer().clear();
        return new Recycled(alloc, memory).clear();
    }

    /** How many free buffers are kept now. */
    int kept() {
        synchronized (free) {
            return free.size();
        }
    }

    private void giveBack(CleanableDirectBuffer memory) {
        synchronized (free) {
            if (free.size() < maxKept) {
                free.addLast(memory);
                return;
            }
        }
        memory.clean();
    }

    /** Frees every kept buffer; for a loop that has stopped. Buffers released later are still kept. */
    void freeAll() {
        while (true) {
            CleanableDirectBuffer memory;
            synchronized (free) {
                memory = free.pollLast();
            }
            if (memory == null) {
                return;
            }
            memory.clean();
        }
    }

    /** A buffer over memory it does not own: released, it gives the memory back instead of freeing it. */
    private final class Recycled extends UnpooledUnsafeDirectByteBuf {
        private CleanableDirectBuffer memory;

        Recycled(ByteBufAllocator alloc, CleanableDirectBuffer memory) {
            super(alloc, memory.buffer(), memory.buffer().capacity());
            this.memory = memory;
        }

        @Override
        protected void deallocate() {
            CleanableDirectBuffer memory = this.memory;
            this.memory = null;
            super.deallocate(); // forgets the memory without freeing it: the constructor's contract
            if (memory != null) {
                giveBack(memory);
            }
        }
    }
}
