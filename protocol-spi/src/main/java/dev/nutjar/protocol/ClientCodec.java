package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Decodes the requests of one client connection. Not thread-safe: it lives on the connection's
 * event loop and keeps the connection's state (for example whether it has authenticated).
 */
public interface ClientCodec {

    /**
     * Decodes the next complete request from {@code in}, consuming its bytes, or consumes nothing
     * and returns null when more bytes are needed. It may keep progress state between calls, so
     * a large request is never rescanned; call it again with the same buffer after more bytes
     * were appended.
     *
     * @param in the connection's inbound bytes; still owned by the caller
     * @return a request the caller owns and must {@link Request#release() release}, or null
     * @throws ProtocolException on malformed input; the connection is then closed
     */
    Request decode(ByteBuf in);
}
