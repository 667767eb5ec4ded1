package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * A per-thread array into which a key held off-heap ({@link Request#keyBuffer}) is copied, so
 * that routing, which hashes {@code byte[]}, reads it. Event-loop threads reuse theirs, so routing
 * such keys allocates nothing. A key in a heap buffer needs no copy: route its backing array.
 */
public final class KeyScratch {
    private KeyScratch() {}

    /** Keys up to this length reuse the thread's array; longer ones (rare) get an array of their own. */
    static final int MAX_RETAINED = 64 * 1024;

    // Netty's thread local: an array index on event-loop threads, where routing happens.
    private static final FastThreadLocal<byte[]> BUFFER = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[256];
        }
    };

    /**
     * Copies the bytes of {@code buf} at the absolute {@code [index, index + length)} to the start
     * of this thread's array; reader and writer indexes are neither used nor moved.
     *
     * @param buf the buffer holding the key; still owned by the caller
     * @param index the key's absolute index in {@code buf}
     * @param length the key's length
     * @return an array whose first {@code length} bytes are the key, valid until this thread calls
     *     again
     */
    public static byte[] copy(ByteBuf buf, int index, int length) {
        byte[] scratch = get(length);
        buf.getBytes(index, scratch, 0, length);
        return scratch;
    }

    /** An array of at least {@code length} bytes, valid until this thread asks again. */
    static byte[] get(int length) {
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
