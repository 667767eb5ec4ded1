package dev.nutjar.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * What was wrong with a client's request, and the reply memcached itself gives for it. The proxy
 * answers such a request locally, in its place in the pipeline, and never forwards it.
 *
 * <p>The texts are memcached 1.6's, byte for byte. Three errors close the connection after the
 * reply: a data block whose length does not match, a command line too long to be one, and the
 * binary protocol; for the last two memcached sends nothing, and neither does Nutjar.
 */
public enum MemcacheError {
    /** An unknown command, or a known one with the wrong number of tokens. */
    UNKNOWN_COMMAND("ERROR", false),
    /** A key over 250 bytes, or a storage command whose flags, exptime, bytes or cas is not a number in range. */
    BAD_COMMAND_LINE("CLIENT_ERROR bad command line format", false),
    /** {@code delete} with arguments other than {@code 0} and {@code noreply}. */
    BAD_DELETE_COMMAND_LINE("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]", false),
    /** {@code incr}/{@code decr} whose delta is not an unsigned 64-bit number. */
    INVALID_DELTA("CLIENT_ERROR invalid numeric delta argument", false),
    /** {@code touch} whose exptime is not a signed 32-bit number. */
    INVALID_EXPTIME("CLIENT_ERROR invalid exptime argument", false),
    /** A get with more keys than the parser allows (Nutjar's own limit; memcached has none). */
    TOO_MANY_KEYS("CLIENT_ERROR too many keys", false),
    /** A storage command whose data block is larger than the maximum; the block is skipped unread. */
    OBJECT_TOO_LARGE("SERVER_ERROR object too large for cache", false),
    /** The data block is not followed by CRLF: its declared length was wrong. Closes the connection. */
    BAD_DATA_CHUNK("CLIENT_ERROR bad data chunk", true),
    /** No line feed within the line length limit. Closes the connection without a reply. */
    LINE_TOO_LONG("", true),
    /** A request starting with byte 0x80, the binary protocol's magic. Closes the connection without a reply. */
    BINARY_PROTOCOL("", true);

    private final String text;
    private final byte[] reply;
    private final boolean closesConnection;

    MemcacheError(String text, boolean closesConnection) {
        this.text = text;
        this.reply = text.isEmpty() ? new byte[0] : (text + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.closesConnection = closesConnection;
    }

    /** The reply line without its CRLF; empty when the connection is closed without a reply. */
    public String replyText() {
        return text;
    }

    /** The reply length in bytes, CRLF included; 0 when there is no reply. */
    public int replyLength() {
        return reply.length;
    }

    /** Whether the client connection must be closed once this reply (if any) is written. */
    public boolean closesConnection() {
        return closesConnection;
    }

    /**
     * Writes the reply, CRLF included, to {@code out}; nothing when there is no reply.
     *
     * @param out owned by the caller; only written to
     */
    public void writeReply(ByteBuf out) {
        out.writeBytes(reply);
    }

    /**
     * The reply, CRLF included, in a new read-only buffer (empty when there is none).
     *
     * @return a buffer the caller owns and must release
     */
    public ByteBuf reply() {
        // Unpooled.wrappedBuffer would return the shared EMPTY_BUFFER, which cannot be released.
        return (reply.length == 0 ? Unpooled.buffer(0) : Unpooled.wrappedBuffer(reply)).asReadOnly();
    }
}
