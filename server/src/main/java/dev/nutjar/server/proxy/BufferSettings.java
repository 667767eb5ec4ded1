package dev.nutjar.server.proxy;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

/**
 * How the proxy sizes its buffers, all derived from one buffer unit: nutcracker's {@code -m}
 * (mbuf size). Nothing is allocated up front; these are the sizes buffers are taken in when
 * needed.
 *
 * @param chunkSize the size of a buffer small writes to one connection are coalesced into
 * @param coalesceLimit payloads up to this size are copied into the chunk; larger ones are written
 *     as they are, without a copy
 * @param maxReadSize the largest buffer one socket read goes into; reads start at
 *     {@link #INITIAL_READ_SIZE} (or this, if smaller) and adapt to what arrives
 */
record BufferSettings(int chunkSize, int coalesceLimit, int maxReadSize) {
    /** nutcracker's default mbuf size. */
    static final int DEFAULT_UNIT = 16384;
    /** nutcracker's bounds for the mbuf size. */
    static final int MIN_UNIT = 512;
    static final int MAX_UNIT = 16_777_216;
    /** The smallest buffer a read goes into. */
    static final int MIN_READ_SIZE = 64;
    /** The size of a connection's first read buffer, as Netty's default. */
    static final int INITIAL_READ_SIZE = 2048;

    BufferSettings {
        if (chunkSize <= 0 || coalesceLimit < 0 || coalesceLimit > chunkSize) {
            throw new IllegalArgumentException("coalesce limit " + coalesceLimit + " must be between 0 and the chunk size "
                    + chunkSize);
        }
        if (maxReadSize < MIN_READ_SIZE) {
            throw new IllegalArgumentException("max read size " + maxReadSize + " is below " + MIN_READ_SIZE);
        }
    }

    /** The settings at nutcracker's default {@code -m 16384}. */
    static BufferSettings defaults() {
        return forUnit(DEFAULT_UNIT);
    }

    /**
     * The settings for buffer unit {@code unit} ({@code -m}): chunks of {@code unit} bytes, payloads
     * up to {@code max(64, unit / 16)} coalesced, reads of up to {@code max(4 * unit, 4096)} bytes.
     * At the default 16384: 1024 and 65536 (Netty's own default maximum).
     *
     * @throws IllegalArgumentException when {@code unit} is outside nutcracker's 512..16777216
     */
    static BufferSettings forUnit(int unit) {
        if (unit < MIN_UNIT || unit > MAX_UNIT) {
            throw new IllegalArgumentException("mbuf size " + unit + " is not between " + MIN_UNIT + " and " + MAX_UNIT
                    + " bytes");
        }
        return new BufferSettings(unit, Math.max(64, unit / 16), Math.max(4 * unit, 4096));
    }

    /** A read buffer allocator for one channel or many: adaptive between 64 bytes and {@link #maxReadSize}. */
    RecvByteBufAllocator recvAllocator() {
        return new AdaptiveRecvByteBufAllocator(MIN_READ_SIZE, Math.min(INITIAL_READ_SIZE, maxReadSize), maxReadSize);
    }
}
