package dev.nutjar.memcache;

import dev.nutjar.protocol.FramedMessage;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * One client request: the raw bytes, exactly as received, and where its keys and data block are.
 *
 * <p>A request holds a reference to the client's input buffer and the place of its bytes in it
 * ({@link #frameSource()}, {@link #frameIndex()}, {@link #frameLength()}), which the proxy
 * forwards as is; {@link #frame()} is a view of them, made when first asked for. Positions are
 * relative to the start of the frame. It is reference counted: whoever holds it releases it
 * exactly once, which releases the input buffer; nothing may be read from it (or its frame) after
 * that, because a released request goes back to its thread's {@link ThreadLocalPool} and is handed
 * out again. So a single-key request allocates nothing; a multi-key get reuses the request's array
 * of key positions when it is small enough.
 *
 * <p>Every request, whether the parser's or a {@link MemcacheMultiGet} fragment, comes from the pool
 * and goes back to it when released: one way to make and free them, and a fragment released on
 * another thread merely joins that thread's pool, which is bounded.
 *
 * <p>A request that {@link #isError()} is never forwarded: the proxy answers it with
 * {@link MemcacheError#writeReply} unless {@link #noreply()}, in its place among the replies, and
 * closes the connection afterwards if {@link #closesConnection()}.
 *
 * <p>Not thread-safe; a request lives on one event loop.
 */
public final class MemcacheRequest extends FramedMessage<MemcacheRequest> {

    /** memcached's limit on key length, in bytes. */
    public static final int KEY_MAX_LENGTH = 250;

    /** A request whose key position array grew past this many keys is pooled without it: memory stays bounded. */
    private static final int MAX_POOLED_KEYS = 16;
    private static final ThreadLocalPool<MemcacheRequest> POOL = new ThreadLocalPool<>(MemcacheRequest::new);

    private MemcacheCommand command;
    private MemcacheError error;
    private boolean noreply;
    private int keyCount;
    private int firstKeyOffset;
    private int firstKeyLength;
    /** Offset and length of every key, in pairs, read when there are at least two; kept when pooled. */
    private int[] keyPositions;
    private int dataOffset;
    private int dataLength;
    /** The list this request came from and goes back to. */
    private ThreadLocalPool.Local<MemcacheRequest> home;

    private MemcacheRequest() {
    }

    /** This thread's list of spare requests, for a parser to keep and pass to {@code take}. */
    static ThreadLocalPool.Local<MemcacheRequest> localPool() {
        return POOL.local();
    }

    /**
     * A request over the next {@code length} readable bytes of {@code in}, which it retains once;
     * {@code in}'s reader index moves past them. {@link #init} fills in the rest.
     */
    static MemcacheRequest take(ThreadLocalPool.Local<MemcacheRequest> from, ByteBuf in, int length) {
        int index = in.readerIndex();
        MemcacheRequest request = wrap(from, in.retain(), index, length);
        in.readerIndex(index + length);
        return request;
    }

    /** @param source taken over: a reference the caller gives this request */
    private static MemcacheRequest wrap(ThreadLocalPool.Local<MemcacheRequest> from, ByteBuf source, int index,
            int length) {
        MemcacheRequest request = from.get();
        request.home = from;
        request.open(source, index, length);
        return request;
    }

    /**
     * A get or gets over the whole of {@code frame}, for a {@link MemcacheMultiGet} fragment.
     *
     * @param frame taken over: the request releases it
     * @param keyPositions taken over: offset and length of each of the {@code keyCount} keys
     */
    static MemcacheRequest fragment(MemcacheCommand command, ByteBuf frame, int keyCount, int[] keyPositions) {
        MemcacheRequest request = wrap(POOL.local(), frame, frame.readerIndex(), frame.readableBytes())
                .init(command, null, false, keyCount, keyPositions[0], keyPositions[1], -1, -1);
        request.keyPositions = keyPositions;
        return request;
    }

    /** Sets what the parser found; positions are relative to the frame's start. */
    MemcacheRequest init(MemcacheCommand command, MemcacheError error, boolean noreply, int keyCount,
            int firstKeyOffset, int firstKeyLength, int dataOffset, int dataLength) {
        this.command = command;
        this.error = error;
        this.noreply = noreply;
        this.keyCount = keyCount;
        this.firstKeyOffset = firstKeyOffset;
        this.firstKeyLength = firstKeyLength;
        this.dataOffset = dataOffset;
        this.dataLength = dataLength;
        return this;
    }

    /** An error: no keys, no data. */
    MemcacheRequest initError(MemcacheCommand command, MemcacheError error, boolean noreply) {
        return init(command, error, noreply, 0, -1, 0, -1, -1);
    }

    /**
     * This request's array of key positions, for the parser to fill with {@code keyCount} pairs of
     * offset and length: reused when large enough.
     */
    int[] keyPositions(int keyCount) {
        if (keyPositions == null || keyPositions.length < 2 * keyCount) {
            keyPositions = new int[Math.max(2 * keyCount, 2 * MAX_POOLED_KEYS)];
        }
        return keyPositions;
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

    /** The offset of key {@code index} from the start of the {@link #frame()}. */
    public int keyOffset(int index) {
        checkKeyIndex(index);
        return keyCount == 1 ? firstKeyOffset : keyPositions[2 * index];
    }

    /** The length in bytes of key {@code index}: 1 to {@value #KEY_MAX_LENGTH}. */
    public int keyLength(int index) {
        checkKeyIndex(index);
        return keyCount == 1 ? firstKeyLength : keyPositions[2 * index + 1];
    }

    /**
     * Copies key {@code index} into {@code dst} at {@code dstOffset}, for hashing without
     * allocating: a {@code byte[KEY_MAX_LENGTH]} per event loop is enough.
     *
     * @return the key's length
     */
    public int copyKey(int index, byte[] dst, int dstOffset) {
        int length = keyLength(index);
        frameSource().getBytes(frameIndex() + keyOffset(index), dst, dstOffset, length);
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
        return frameSource().slice(frameIndex() + keyOffset(index), keyLength(index));
    }

    /** Whether this is a storage command carrying a data block. */
    public boolean hasData() {
        return dataOffset >= 0;
    }

    /** The offset of the data block from the start of the {@link #frame()}, or -1 when there is none. */
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
    protected void deallocated() {
        initError(null, null, false);
        if (keyPositions != null && keyPositions.length > 2 * MAX_POOLED_KEYS) {
            keyPositions = null;
        }
        ThreadLocalPool.Local<MemcacheRequest> from = home;
        home = null;
        from.recycle(this);
    }

    /**
     * A new request over the same bytes, with the same positions, holding a reference of its own
     * to them: it outlives this one's release.
     */
    MemcacheRequest retainedDuplicate() {
        MemcacheRequest copy = wrap(POOL.local(), frameSource().retain(), frameIndex(), frameLength())
                .init(command, error, noreply, keyCount, firstKeyOffset, firstKeyLength, dataOffset, dataLength);
        if (keyCount > 1) {
            // Not shared: this request's array goes back to the pool with it.
            copy.keyPositions = Arrays.copyOf(keyPositions, 2 * keyCount);
        }
        return copy;
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
            appendEscaped(s, frameSource(), frameIndex() + keyOffset(i), keyLength(i));
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
