package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCounted;

/**
 * One client request, decoded. It owns its bytes (usually a retained slice of the client's
 * inbound buffer) until its last {@link #release()}; nothing may be read from it afterwards.
 *
 * <p>The proxy asks {@link #action()} what to do: answer locally, forward the bytes as they are to
 * the server of the request's key(s), or split it into one fragment per server.
 */
public interface Request extends ReferenceCounted {

    /** What the proxy does with a request. */
    enum Action {
        /** Answer with {@link #localReply} without touching a backend. */
        LOCAL,
        /** Send {@link #frame()} unchanged to the server that owns the keys. */
        FORWARD,
        /** Route each key, then send the fragments of {@link #split}. */
        SPLIT,
        /** Send the fragments of {@link #fanOut} to the servers it names, whatever the keys. */
        FAN_OUT
    }

    Action action();

    /**
     * For {@link Action#LOCAL}: the reply, or null when the protocol sends none (e.g. memcached
     * {@code quit}).
     *
     * @return a new buffer the caller owns, or null
     */
    ByteBuf localReply(ByteBufAllocator alloc);

    /** Whether the connection closes after this request's reply (QUIT; a rejected data block). */
    boolean closeAfterReply();

    /** False when the backend sends no reply (memcached {@code noreply}). */
    boolean expectsReply();

    /**
     * The request's bytes as received, for {@link Action#FORWARD}.
     *
     * @return a buffer this request owns; retain it to keep it past {@link #release()}
     */
    ByteBuf frame();

    /**
     * The buffer that holds {@link #frame()}'s bytes, at {@link #frameIndex()} for
     * {@link #frameLength()} bytes. The proxy copies small requests from here into its write
     * batch, so a protocol that keeps its input buffer and an index, rather than a view, lets a
     * request be forwarded without allocating one.
     *
     * @return a buffer this request owns; do not release it or move its indexes
     */
    default ByteBuf frameSource() {
        return frame();
    }

    /** Where the request's first byte is in {@link #frameSource()}. */
    default int frameIndex() {
        return frame().readerIndex();
    }

    /** How many bytes {@link #frame()} has. */
    default int frameLength() {
        return frame().readableBytes();
    }

    /**
     * How many keys route this request: 0 for a local request, 1 for most, more for multi-key
     * commands. A keyless command that is forwarded (Redis COMMAND, memcached version) reports
     * one key, twemproxy's literal {@code placeholder}.
     */
    int keyCount();

    /**
     * The buffer that holds key {@code i}: usually {@link #frame()}.
     *
     * @return a buffer this request owns; do not release it
     */
    ByteBuf keyBuffer(int i);

    /** The absolute index of key {@code i} in {@link #keyBuffer(int)}. */
    int keyIndex(int i);

    /** The length in bytes of key {@code i}. */
    int keyLength(int i);

    /**
     * For {@link Action#FORWARD} requests with several keys: whether all of them must map to one
     * server (Redis EVAL, MSETNX) because the command cannot be split.
     */
    default boolean keysMustShareServer() {
        return false;
    }

    /**
     * The error a client gets when {@link #keysMustShareServer()} and the keys map to different
     * servers.
     *
     * @return a new buffer the caller owns
     */
    default ByteBuf crossServerReply(ByteBufAllocator alloc) {
        throw new UnsupportedOperationException("not a multi-key request");
    }

    /**
     * For {@link Action#SPLIT}: the fragments, given the server of each key.
     *
     * @param serverOfKey for each key {@code i}, the index of its server
     * @return a split the caller owns and must release
     */
    default Split split(int[] serverOfKey, ByteBufAllocator alloc) {
        throw new UnsupportedOperationException("not a split request");
    }

    /**
     * For {@link Action#FAN_OUT}: the fragments, one per server it goes to (every server of the
     * pool, or the one a cursor names), or none when the request is answered without a server
     * (refused by the pool's configuration, an invalid cursor): then {@link Split#merge} gives the
     * reply at once.
     *
     * @param pool the pool the request was read by, in the generation it routes by
     * @return a split the caller owns and must release
     */
    default Split fanOut(PoolView pool, ByteBufAllocator alloc) {
        throw new UnsupportedOperationException("not a fan-out request");
    }

    /** Tells {@link ServerCodec#decode} what kind of reply to expect; 0 unless a protocol needs it. */
    default int replyKind() {
        return 0;
    }

    /**
     * The request's command, as an index into {@link Protocol#commands()}, for per-command
     * metrics; {@link #NO_COMMAND} when the protocol lists none or the command is unknown.
     */
    default int command() {
        return NO_COMMAND;
    }

    /** {@link #command()} of a request whose command is not in the protocol's list. */
    int NO_COMMAND = -1;

    /**
     * Whether the request only reads, so that a replica may answer it (a Redis Cluster pool's
     * {@code read_from}); false for writes, scripts and whatever the protocol does not know to be
     * read-only.
     */
    default boolean readOnly() {
        return false;
    }

    // Sessions: pub/sub, transactions, blocking commands (see SessionRole).

    /** What this request does to its client's session; {@link SessionRole#NONE} for most. */
    default SessionRole sessionRole() {
        return SessionRole.NONE;
    }
}
