package dev.nutjar.routing.internal;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * A per-thread buffer into which a key held off-heap is copied so that a {@code byte[]} hash
 * function can read it. Event-loop threads reuse theirs, so routing such keys allocates nothing.
 */
public final class KeyScratch {
    private KeyScratch() {}

    /** Keys up to this length reuse the thread's buffer; longer ones (rare) get a buffer of their own. */
    static final int MAX_RETAINED = 64 * 1024;

    // Netty's thread local: an array index on event-loop threads, where routing happens.
    private static final FastThreadLocal<byte[]> BUFFER = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[256];
        }
    };

    /** A buffer of at least {@code length} bytes, valid until this thread asks again. */
    public static byte[] get(int length) {
        byte[] buffer = BUFFER.get();
        if (buffer.length >= length) {
            return buffer;
        }
        if (length > MAX_RETAINED) {
            return new byte[length];
        }
        buffer = new byte[Math.max(length, Math.min(2 * buffer.length, MAX_RETAINED))];
        BUFFER.set(buffer);
        return buffer;
    }
}
