package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Decodes the replies of one backend connection. Not thread-safe: one per connection. */
public interface ServerCodec {

    /**
     * What to send first on a new backend connection (for Redis: AUTH, then SELECT), or null.
     *
     * @return a new buffer the caller owns, or null
     */
    ByteBuf handshake(ByteBufAllocator alloc);

    /** How many replies {@link #handshake} causes; they are read and checked, never forwarded. */
    int handshakeReplies();

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

    /**
     * Whether a reply says the backend is failing (Redis {@code -OOM}, {@code -BUSY},
     * {@code -LOADING}) and should count towards ejection. The reply is still forwarded.
     *
     * @param reply a reply from {@link #decode}; not consumed, still owned by the caller
     */
    boolean isServerFailure(ByteBuf reply);

    /**
     * The error text when a handshake reply reports a failure, else null.
     *
     * @param reply a handshake reply; still owned by the caller
     */
    String handshakeError(ByteBuf reply);
}
