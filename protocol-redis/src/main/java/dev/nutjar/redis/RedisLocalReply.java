package dev.nutjar.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * The constant replies the proxy sends itself, pre-encoded once.
 *
 * <p>Texts are Redis 7's where Redis has one (twemproxy's differ slightly: no period after
 * {@code Authentication required}, {@code -ERR invalid password}, {@code -ERR Client sent AUTH,
 * but no password is set}); clients match Redis's.
 */
public enum RedisLocalReply {

    /** To {@code PING}. */
    PONG("+PONG"),
    /** To {@code QUIT} (then the proxy closes the connection) and to a correct {@code AUTH}. */
    OK("+OK"),
    /** To any command but AUTH and QUIT from a client that has not authenticated. */
    NOAUTH("-NOAUTH Authentication required."),
    /** To {@code AUTH} with the wrong password. */
    WRONGPASS("-WRONGPASS invalid username-password pair or user is disabled."),
    /** To {@code AUTH} when the pool has no password. */
    AUTH_NOT_CONFIGURED("-ERR AUTH <password> called without any password configured for the default user."
            + " Are you sure your configuration is correct?");

    private final byte[] bytes;
    private final ByteBuf shared;

    RedisLocalReply(String text) {
        this.bytes = (text + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.shared = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes).asReadOnly());
    }

    /**
     * The reply as a buffer, e.g. to write to a channel.
     *
     * @return a read-only view of a shared buffer; its indexes are the caller's own, and releasing
     *     it does nothing, so the caller need not release it (doing so is harmless)
     */
    public ByteBuf buffer() {
        return shared.duplicate();
    }

    /**
     * Appends the reply: the cheapest way when replies are gathered in one output buffer.
     *
     * @param out written at its writer index; stays the caller's
     */
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes);
    }

    /** The number of bytes of the reply, CRLF included. */
    public int size() {
        return bytes.length;
    }
}
