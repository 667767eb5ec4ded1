package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Decodes the replies of one backend connection. Not thread-safe: one per connection. */
public interface ServerCodec {

    /**
     * What to send first on a new backend connection (for Redis: AUTH, then SELECT), or null
     * (the default: no handshake).
     *
     * @param alloc allocates the buffer returned
     * @return a new buffer the caller owns, or null
     */
    default ByteBuf handshake(ByteBufAllocator alloc) {
        return null;
    }

    /**
     * How many replies {@link #handshake} causes; they are read and checked, never forwarded.
     *
     * @return 0 by default, as there is no handshake
     */
    default int handshakeReplies() {
        return 0;
    }

    /**
     * Decodes the next complete reply from {@code in}, consuming its bytes, or returns null
     * when more bytes are needed.
     *
     * @param in the connection's inbound bytes; still owned by the caller
     * @param replyKind {@link Request#replyKind()} of the request this reply answers
     * @return a slice of {@code in} (retained) or a new buffer; the caller owns it
     * @throws ProtocolException when the backend sent something that is not a reply
     */
    ByteBuf decode(ByteBuf in, int replyKind);

    /** {@link #replyLength}'s answer when this codec hands out replies through {@link #decode} only. */
    int DECODE_ONLY = -2;

    /**
     * Finds the next complete reply without taking it, for a codec whose replies are the backend's
     * bytes unchanged: the proxy then copies a small reply straight into the client's write batch
     * and makes no view of it. Parsing progress is kept as with {@link #decode}; the next call
     * starts on a new reply once this one was found.
     *
     * @param in the connection's inbound bytes; not consumed (the caller skips the reply's bytes
     *     itself), still owned by the caller
     * @param replyKind as for {@link #decode}
     * @return the length of the reply at {@code in}'s reader index; -1 when more bytes are needed;
     *     or {@link #DECODE_ONLY} (the default) when the caller must use {@link #decode}
     * @throws ProtocolException when the backend sent something that is not a reply
     */
    default int replyLength(ByteBuf in, int replyKind) {
        return DECODE_ONLY;
    }

    /**
     * Offers the start of a large reply to be passed on as it arrives instead of whole.
     *
     * <p>When {@code in} holds the start of the next reply but not all of it, and the reply begins
     * with a part of at least {@code minLength} bytes whose length its header gives (for example a
     * Redis bulk string's header and data), returns that part's length. The caller must then take
     * exactly that many bytes, from {@code in} and the input after it, and pass them on itself; the
     * codec does not read them. The next {@link #decode} returns the rest of that reply (its
     * terminator, which the codec checks). Otherwise returns -1 and changes nothing: decode the
     * reply as usual. A malformed header is -1 too, for {@link #decode} to report.
     *
     * @param in the connection's inbound bytes; not consumed, still owned by the caller
     * @param replyKind as for {@link #decode}
     * @return the length of the part to pass on, at least {@code minLength}; or -1
     */
    default int streamableLength(ByteBuf in, int replyKind, int minLength) {
        return -1;
    }

    /**
     * Whether a reply says the backend is failing (Redis {@code -OOM}, {@code -BUSY},
     * {@code -LOADING}) and should count towards ejection. The reply is still forwarded.
     *
     * @param reply a reply from {@link #decode}; not consumed, still owned by the caller
     */
    boolean isServerFailure(ByteBuf reply);

    /**
     * {@link #isServerFailure(ByteBuf)} for a reply found by {@link #replyLength}.
     *
     * @param in holds the reply at {@code index}; not changed, still owned by the caller
     */
    default boolean isServerFailure(ByteBuf in, int index, int length) {
        return isServerFailure(in.slice(index, length));
    }

    /**
     * The error text when a handshake reply reports a failure, else null (the default, for a
     * codec without a handshake).
     *
     * @param reply a handshake reply; still owned by the caller
     * @return the error text, or null
     */
    default String handshakeError(ByteBuf reply) {
        return null;
    }
}
