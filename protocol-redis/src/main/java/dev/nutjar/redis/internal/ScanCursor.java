package dev.nutjar.redis.internal;

import io.netty.buffer.ByteBuf;

/**
 * The cursor Nutjar's {@code SCAN} hands its clients: which server the walk is on, that server's
 * own cursor, and a tag of the pool's configuration, in one unsigned 64-bit number (written in
 * decimal, as {@code redis-cli} parses it with {@code strtoull}).
 *
 * <pre>
 *  63          48 47                 c  c-1                        0
 * +--------------+---------------------+----------------------------+
 * | pool tag (16)| server index (s)    | the server's cursor (c)    |
 * +--------------+---------------------+----------------------------+
 *   s = bits to number the pool's servers (0 for one server), c = 48 - s
 * </pre>
 *
 * <p>{@code 0} starts the walk at the first server and ends it after the last, as in Redis. The tag
 * is 16 bits of the pool's {@link dev.nutjar.protocol.PoolView#fingerprint() fingerprint}, never 0:
 * a cursor made before the pool's servers changed is refused (with a chance of 1 in 65,535 of a
 * tag collision) instead of walking other servers than it started on. A server's cursor that does
 * not fit in {@code c} bits is reported as an error, never cut: Redis's cursor holds the bits of
 * its hash table's size, so 48 - s bits serve tables of 2^(48-s) buckets.
 *
 * <p>No cap on the number of servers: each doubling takes one bit from the server's cursor.
 */
public final class ScanCursor {
    /** Bits of the pool tag, at the top of the cursor. */
    public static final int TAG_BITS = 16;
    private static final int INDEX_BITS = 64 - TAG_BITS;

    private final int serverCount;
    private final int serverBits;
    private final int cursorBits;
    private final long tag;

    /**
     * @param serverCount the pool's servers, at least one
     * @param fingerprint the pool's configuration fingerprint
     */
    public ScanCursor(int serverCount, long fingerprint) {
        if (serverCount < 1) {
            throw new IllegalArgumentException("serverCount must be > 0 (was: " + serverCount + ")");
        }
        this.serverCount = serverCount;
        this.serverBits = serverCount == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(serverCount - 1);
        this.cursorBits = INDEX_BITS - serverBits;
        long folded = fingerprint ^ (fingerprint >>> 16) ^ (fingerprint >>> 32) ^ (fingerprint >>> 48);
        long tag16 = folded & 0xFFFF;
        this.tag = tag16 == 0 ? 1 : tag16;
    }

    /** How many bits a server's cursor may have. */
    public int cursorBits() {
        return cursorBits;
    }

    /** Whether a server's cursor (unsigned) fits in {@link #cursorBits()}. */
    public boolean fits(long serverCursor) {
        return serverCursor >>> cursorBits == 0;
    }

    /**
     * The client's cursor for {@code server} at {@code serverCursor}.
     *
     * @throws IllegalArgumentException if the server's cursor does not {@link #fits fit}
     */
    public long encode(int server, long serverCursor) {
        if (server < 0 || server >= serverCount) {
            throw new IllegalArgumentException("no server " + server + " of " + serverCount);
        }
        if (!fits(serverCursor)) {
            throw new IllegalArgumentException("a server cursor of " + Long.toUnsignedString(serverCursor)
                    + " does not fit in " + cursorBits + " bits");
        }
        return tag << INDEX_BITS | (long) server << cursorBits | serverCursor;
    }

    /**
     * The cursor after a server answered {@code serverCursor}: the same server further on, the next
     * server from its start, or 0 once the last server is done.
     */
    public long next(int server, long serverCursor) {
        if (serverCursor != 0) {
            return encode(server, serverCursor);
        }
        return server + 1 < serverCount ? encode(server + 1, 0) : 0;
    }

    /** The server a client's cursor names, or -1 when the cursor is not one of this pool's. 0 is server 0. */
    public int server(long cursor) {
        if (cursor == 0) {
            return 0;
        }
        if (cursor >>> INDEX_BITS != tag) {
            return -1;
        }
        long server = (cursor & ((1L << INDEX_BITS) - 1)) >>> cursorBits;
        return server < serverCount ? (int) server : -1;
    }

    /** The server's own cursor in a client's cursor. */
    public long serverCursor(long cursor) {
        return cursor & ((1L << cursorBits) - 1);
    }

    /** What {@link #parseUnsigned} returns for text that is not an unsigned 64-bit decimal. */
    public static final long INVALID = -1;

    /**
     * Parses an unsigned 64-bit decimal: digits only, at most 2^64 - 2 (2^64 - 1 is {@link #INVALID},
     * and is no cursor this class makes).
     */
    public static long parseUnsigned(ByteBuf buf, int index, int length) {
        if (length < 1 || length > 20) {
            return INVALID;
        }
        long value = 0;
        for (int i = index; i < index + length; i++) {
            int digit = buf.getByte(i) - '0';
            if (digit < 0 || digit > 9) {
                return INVALID;
            }
            long times10 = value * 10;
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L, 10)) > 0
                    || Long.compareUnsigned(times10 + digit, times10) < 0) {
                return INVALID;
            }
            value = times10 + digit;
        }
        return value;
    }
}
