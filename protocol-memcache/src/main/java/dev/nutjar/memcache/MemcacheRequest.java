package dev.nutjar.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * One client request: the raw bytes, exactly as received, and where its keys and data block are.
 *
 * <p>A request owns a retained slice of the client's input, its {@link #frame()}, which the proxy
 * forwards as is (zero copy). Releasing the request releases the frame; the reference count of the
 * request is the frame's. Positions are relative to the frame's reader index, so they stay right
 * however the proxy moves it.
 *
 * <p>A request that {@link #isError()} is never forwarded: the proxy answers it with
 * {@link MemcacheError#writeReply} unless {@link #noreply()}, in its place among the replies, and
 * closes the connection afterwards if {@link #closesConnection()}.
 *
 * <p>A single-key request allocates nothing besides itself and its slice; a multi-key get also
 * holds one {@code int[]} of key positions.
 */
public final class MemcacheRequest implements ReferenceCounted {

    /** memcached's limit on key length, in bytes. */
    public static final int KEY_MAX_LENGTH = 250;

    private final MemcacheCommand command;
    private final MemcacheError error;
    private final ByteBuf frame;
    private final boolean noreply;
    private final int keyCount;
    private final int firstKeyOffset;
    private final int firstKeyLength;
    /** Offset and length of every key, in pairs, when there are at least two; else null. */
    private final int[] keyPositions;
    private final int dataOffset;
    private final int dataLength;

    MemcacheRequest(MemcacheCommand command, MemcacheError error, ByteBuf frame, boolean noreply,
            int keyCount, int firstKeyOffset, int firstKeyLength, int[] keyPositions,
            int dataOffset, int dataLength) {
        this.command = command;
        this.error = error;
        this.frame = frame;
        this.noreply = noreply;
        this.keyCount = keyCount;
        this.firstKeyOffset = firstKeyOffset;
        this.firstKeyLength = firstKeyLength;
        this.keyPositions = keyPositions;
        this.dataOffset = dataOffset;
        this.dataLength = dataLength;
    }

    static MemcacheRequest error(MemcacheCommand command, MemcacheError error, ByteBuf frame, boolean noreply) {
        return new MemcacheRequest(command, error, frame, noreply, 0, -1, 0, null, -1, -1);
    }

    /**
     * The command; for an {@link #isError() error} the command that was recognised, or null when
     * the command itself is unknown.
     */
    public MemcacheCommand command() {
        return command;
    }

    /** Whether this request is answered locally with {@link #error()} instead of being forwarded. */
    public boolean isError() {
        return error != null;
    }

    /** What was wrong with the request, or null when it is to be forwarded. */
    public MemcacheError error() {
        return error;
    }

    /**
     * The request's bytes as received: the command line and, for a storage command, the data block
     * and its CRLF. For an error, the offending command line (possibly empty), for logging.
     *
     * @return a buffer owned by this request, valid until the request is released; to write it
     *     through Netty (which releases what it writes) pass {@code frame().retainedDuplicate()}
     */
    public ByteBuf frame() {
        return frame;
    }

    /**
     * Whether the client asked for no reply. Such a request gets none from the backend and none
     * from the proxy, not even an error: memcached behaves so.
     */
    public boolean noreply() {
        return noreply;
    }

    /** Whether the connection must be closed after the replies to earlier requests: quit, or a fatal error. */
    public boolean closesConnection() {
        return error != null ? error.closesConnection() : command.closesConnection();
    }

    /** Whether the request is routed by {@link MemcacheCommand#PLACEHOLDER_KEY} ({@code version}). */
    public boolean routesByPlaceholder() {
        return error == null && command.routesByPlaceholder();
    }

    /** The number of keys: at least 1 for get and gets, 1 for other keyed commands, 0 otherwise. */
    public int keyCount() {
        return keyCount;
    }

    /** The offset of key {@code index} in the {@link #frame()}, from its reader index. */
    public int keyOffset(int index) {
        checkKeyIndex(index);
        return keyPositions == null ? firstKeyOffset : keyPositions[2 * index];
    }

    /** The length in bytes of key {@code index}: 1 to {@value #KEY_MAX_LENGTH}. */
    public int keyLength(int index) {
        checkKeyIndex(index);
        return keyPositions == null ? firstKeyLength : keyPositions[2 * index + 1];
    }

    /**
     * Copies key {@code index} into {@code dst} at {@code dstOffset}, for hashing without
     * allocating: a {@code byte[KEY_MAX_LENGTH]} per event loop is enough.
     *
     * @return the key's length
     */
    public int copyKey(int index, byte[] dst, int dstOffset) {
        int length = keyLength(index);
        frame.getBytes(frame.readerIndex() + keyOffset(index), dst, dstOffset, length);
        return length;
    }

    /**
     * Key {@code index} as a slice of the frame. Allocates a view; prefer {@link #copyKey} on the
     * hot path.
     *
     * @return a slice sharing the frame's memory and reference count, not retained: valid while the
     *     request is, and not to be released on its own
     */
    public ByteBuf key(int index) {
        return frame.slice(frame.readerIndex() + keyOffset(index), keyLength(index));
    }

    /** Whether this is a storage command carrying a data block. */
    public boolean hasData() {
        return dataOffset >= 0;
    }

    /** The offset of the data block in the {@link #frame()}, or -1 when there is none. */
    public int dataOffset() {
        return dataOffset;
    }

    /** The length of the data block, without its CRLF, or -1 when there is none. */
    public int dataLength() {
        return dataLength;
    }

    private void checkKeyIndex(int index) {
        if (index < 0 || index >= keyCount) {
            throw new IndexOutOfBoundsException("key " + index + " of " + keyCount);
        }
    }

    @Override
    public int refCnt() {
        return frame.refCnt();
    }

    @Override
    public MemcacheRequest retain() {
        frame.retain();
        return this;
    }

    @Override
    public MemcacheRequest retain(int increment) {
        frame.retain(increment);
        return this;
    }

    @Override
    public MemcacheRequest touch() {
        frame.touch();
        return this;
    }

    @Override
    public MemcacheRequest touch(Object hint) {
        frame.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return frame.release();
    }

    @Override
    public boolean release(int decrement) {
        return frame.release(decrement);
    }

    /** A new request over a retained duplicate of this one's frame, with the same positions. */
    MemcacheRequest retainedDuplicate() {
        return new MemcacheRequest(command, error, frame.retainedDuplicate(), noreply, keyCount,
                firstKeyOffset, firstKeyLength, keyPositions, dataOffset, dataLength);
    }

    /** For logs and tests; creates Strings, so keep it off the hot path. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("MemcacheRequest(");
        if (error != null) {
            s.append("error=").append(error).append(", ");
        }
        s.append(command == null ? "?" : command.wireName());
        for (int i = 0; i < keyCount; i++) {
            s.append(' ');
            appendEscaped(s, frame, frame.readerIndex() + keyOffset(i), keyLength(i));
        }
        if (hasData()) {
            s.append(" data=").append(dataLength);
        }
        if (noreply) {
            s.append(" noreply");
        }
        return s.append(')').toString();
    }

    static void appendEscaped(StringBuilder s, ByteBuf buf, int index, int length) {
        for (int i = index; i < index + length; i++) {
            int b = buf.getByte(i) & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '\\') {
                s.append((char) b);
            } else {
                s.append(String.format("\\x%02x", b));
            }
        }
    }
}
