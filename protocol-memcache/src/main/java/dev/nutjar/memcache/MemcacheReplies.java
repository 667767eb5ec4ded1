package dev.nutjar.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Replies the proxy makes itself when a backend fails, in twemproxy's words:
 * {@code SERVER_ERROR <strerror(errno)>\r\n}, with glibc's texts.
 */
public final class MemcacheReplies {
    private MemcacheReplies() {}

    /** The backend refused the connection, or the pool has no live server. */
    public static final String CONNECTION_REFUSED = "Connection refused";
    /** The request timed out ({@code timeout:}). */
    public static final String CONNECTION_TIMED_OUT = "Connection timed out";
    /** The backend host could not be resolved. */
    public static final String HOST_DOWN = "Host is down";
    /** The backend closed the connection (EOF): twemproxy says {@code unknown}. */
    public static final String UNKNOWN = "unknown";
    /** The backend reset the connection. */
    public static final String CONNECTION_RESET = "Connection reset by peer";
    /** The backend sent something that is not a reply to the request (see {@link MemcacheProtocolException}). */
    public static final String INVALID_ARGUMENT = "Invalid argument";

    private static final byte[] SERVER_ERROR_PREFIX = "SERVER_ERROR ".getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code SERVER_ERROR <reason>\r\n} in a new buffer.
     *
     * @param reason ASCII text without CR or LF, for example {@link #CONNECTION_TIMED_OUT}
     * @return a buffer the caller owns and must release
     */
    public static ByteBuf serverError(String reason) {
        ByteBuf reply = Unpooled.buffer(serverErrorLength(reason));
        writeServerError(reply, reason);
        return reply;
    }

    /**
     * Writes {@code SERVER_ERROR <reason>\r\n} to {@code out}, creating no String: for a proxy that
     * copies small replies into one output buffer.
     *
     * @param out owned by the caller; only written to
     * @param reason ASCII text without CR or LF
     */
    public static void writeServerError(ByteBuf out, String reason) {
        checkReason(reason);
        out.writeBytes(SERVER_ERROR_PREFIX);
        out.writeCharSequence(reason, StandardCharsets.US_ASCII);
        out.writeShort(('\r' << 8) | '\n');
    }

    /** The length in bytes of {@code SERVER_ERROR <reason>\r\n}. */
    public static int serverErrorLength(String reason) {
        return SERVER_ERROR_PREFIX.length + reason.length() + 2;
    }

    private static void checkReason(String reason) {
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (c == '\r' || c == '\n' || c > 0x7f) {
                throw new IllegalArgumentException("reason must be one line of ASCII (was: '" + reason + "')");
            }
        }
    }
}
