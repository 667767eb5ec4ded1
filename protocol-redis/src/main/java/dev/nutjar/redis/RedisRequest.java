package dev.nutjar.redis;

import dev.nutjar.protocol.FramedMessage;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.Objects;

/**
 * One complete client request, as parsed by {@link RedisRequestParser}: the raw bytes, the command,
 * and where each argument and key lies in those bytes.
 *
 * <p>A request holds a reference to the client's input buffer and the place of its bytes in it
 * ({@link #frameSource()}, {@link #frameIndex()}, {@link #frameLength()}), which the proxy
 * forwards unchanged; {@link #frame()} is a view of them, made when first asked for. It is
 * reference counted: whoever holds it releases it exactly once, which releases the input
 * buffer; nothing may be read from it (or its frame) after that, because a released request goes
 * back to its thread's {@link ThreadLocalPool} and is handed out again, so parsing allocates
 * nothing.
 *
 * <p>Offsets are relative to the start of the frame (frame index 0, whatever its reader index).
 * Not thread-safe; a request lives on one event loop.
 */
public final class RedisRequest extends FramedMessage<RedisRequest> {

    /**
     * The key that requests without keys ({@link RedisCommand.Kind#PLACEHOLDER}: LOLWUT)
     * are routed by, as in twemproxy.
     */
    public static final String PLACEHOLDER_KEY = "placeholder";

    private static final int INITIAL_ARGS = 8;
    /** A request whose argument array grew past this is pooled without it: memory stays bounded. */
    private static final int MAX_POOLED_ARGS = 32;
    private static final ThreadLocalPool<RedisRequest> POOL = new ThreadLocalPool<>(RedisRequest::new);

    private RedisCommand command;
    private String error;
    private int argCount;
    /** offset, length of each argument, interleaved. */
    private int[] bounds = new int[2 * INITIAL_ARGS];
    private int firstKeyArg;
    private int keyStep;
    private int keyCount;
    /** The list this request came from and goes back to. */
    private ThreadLocalPool.Local<RedisRequest> home;
    /** An XREAD with BLOCK: it may wait for other clients. */
    private boolean blocks;

    private RedisRequest() {
    }

    /** This thread's list of spare requests, for a parser to keep. */
    static ThreadLocalPool.Local<RedisRequest> localPool() {
        return POOL.local();
    }

    /** @param from the parser's {@link #localPool()} */
    static RedisRequest newInstance(ThreadLocalPool.Local<RedisRequest> from) {
        RedisRequest request = from.get();
        request.home = from;
        request.open();
        return request;
    }

    /** The command, or {@code null} when the client sent a command Nutjar does not know. */
    public RedisCommand command() {
        return command;
    }

    /**
     * The error reply to send instead of forwarding, without the leading {@code -} and the
     * trailing CRLF (e.g. {@code ERR wrong number of arguments for 'get' command}), or
     * {@code null} when the request is acceptable. An error request was consumed whole; the
     * connection stays open. Characters are bytes (ISO-8859-1), as the client sent them.
     */
    public String error() {
        return error;
    }

    public boolean hasError() {
        return error != null;
    }

    /** The number of arguments, including the command name (at index 0). */
    public int argCount() {
        return argCount;
    }

    /** Where argument {@code index} starts in {@link #frame()} (its bytes, not its header). */
    public int argOffset(int index) {
        Objects.checkIndex(index, argCount);
        return bounds[2 * index];
    }

    public int argLength(int index) {
        Objects.checkIndex(index, argCount);
        return bounds[2 * index + 1];
    }

    /**
     * The number of keys to route by: 1 for single-key commands, every key of fragmented and
     * same-server commands, 0 for local, placeholder-routed, rejected and error requests.
     */
    public int keyCount() {
        return keyCount;
    }

    /** The argument index of key {@code index}. */
    public int keyArg(int index) {
        Objects.checkIndex(index, keyCount);
        return firstKeyArg + index * keyStep;
    }

    /** Where key {@code index} starts in {@link #frame()}. */
    public int keyOffset(int index) {
        return bounds[2 * keyArg(index)];
    }

    public int keyLength(int index) {
        return bounds[2 * keyArg(index) + 1];
    }

    /** Whether argument {@code index} equals {@code bytes} exactly. */
    public boolean argEquals(int index, byte[] bytes) {
        int length = argLength(index);
        if (length != bytes.length) {
            return false;
        }
        ByteBuf source = frameSource();
        int offset = frameIndex() + bounds[2 * index];
        for (int i = 0; i < length; i++) {
            if (source.getByte(offset + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the request may wait for other clients: a blocking command ({@link RedisCommand.Kind#BLOCKING}),
     * except an XREAD or XREADGROUP without {@code BLOCK}.
     */
    public boolean blocks() {
        return blocks;
    }

    void blocks(boolean blocks) {
        this.blocks = blocks;
    }

    @Override
    protected void deallocated() {
        blocks = false;
        command = null;
        error = null;
        argCount = 0;
        firstKeyArg = 0;
        keyStep = 0;
        keyCount = 0;
        if (bounds.length > 2 * MAX_POOLED_ARGS) {
            bounds = new int[2 * INITIAL_ARGS];
        }
        ThreadLocalPool.Local<RedisRequest> from = home;
        home = null;
        from.recycle(this);
    }

    /** Drops a request that was never published (the parser gave up on it). */
    void discardUnpublished() {
        discard();
    }

    // Filled by the parser.

    void addArg(int offset, int length) {
        int i = 2 * argCount;
        if (i == bounds.length) {
            bounds = Arrays.copyOf(bounds, 2 * bounds.length);
        }
        bounds[i] = offset;
        bounds[i + 1] = length;
        argCount++;
    }

    /** @param source taken over: a reference the caller retained for this request */
    void frame(ByteBuf source, int index, int length) {
        setFrame(source, index, length);
    }

    void command(RedisCommand command) {
        this.command = command;
    }

    void keys(int firstKeyArg, int keyStep, int keyCount) {
        this.firstKeyArg = firstKeyArg;
        this.keyStep = keyStep;
        this.keyCount = keyCount;
    }

    void error(String error) {
        this.error = error;
        this.keyCount = 0;
    }

    @Override
    public String toString() {
        String name = command != null ? command.name() : "?";
        return "RedisRequest(" + name + ", args=" + argCount + ", keys=" + keyCount
                + (error != null ? ", error=" + error : "") + ")";
    }
}
