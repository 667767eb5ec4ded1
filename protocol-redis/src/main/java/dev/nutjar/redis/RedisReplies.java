package dev.nutjar.redis;

import dev.nutjar.redis.internal.Resp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Encodes the replies the proxy makes itself, and answers questions about backend replies. */
public final class RedisReplies {

    /** twemproxy's text for a backend reply it cannot use; kept for compatibility. */
    public static final String INVALID_ARGUMENT = "ERR Invalid argument";

    private RedisReplies() {
    }

    /**
     * Encodes an error reply.
     *
     * @param message the text without {@code -} and CRLF, e.g. {@code ERR Connection refused};
     *     characters are written as ISO-8859-1 bytes, CR and LF as spaces
     * @return a new buffer that the caller owns
     */
    public static ByteBuf error(ByteBufAllocator alloc, String message) {
        String text = Resp.sanitizeErrorText(message);
        ByteBuf out = alloc.buffer(text.length() + 3);
        writeSanitizedError(out, text);
        return out;
    }

    /**
     * Appends an error reply, as {@link #error(ByteBufAllocator, String)} encodes it.
     *
     * @param out written at its writer index; stays the caller's
     */
    public static void writeError(ByteBuf out, String message) {
        writeSanitizedError(out, Resp.sanitizeErrorText(message));
    }

    private static void writeSanitizedError(ByteBuf out, String text) {
        out.writeByte('-');
        out.writeCharSequence(text, StandardCharsets.ISO_8859_1);
        out.writeShort(Resp.CRLF);
    }

    /**
     * The error reply for a backend failure, in twemproxy's words: {@code -ERR <reason>}, e.g.
     * {@code -ERR Connection refused}, {@code -ERR Connection timed out}, {@code -ERR unknown} (EOF).
     *
     * @return a new buffer that the caller owns
     */
    public static ByteBuf backendFailure(ByteBufAllocator alloc, String reason) {
        return error(alloc, "ERR " + reason);
    }

    /**
     * Appends {@code :<value>\r\n}.
     *
     * @param out written at its writer index; stays the caller's
     */
    public static void writeInteger(ByteBuf out, long value) {
        out.writeByte(':');
        Resp.writeDecimal(out, value);
        out.writeShort(Resp.CRLF);
    }

    /**
     * Whether {@code reply} is an error reply.
     *
     * @param reply read from its reader index; not changed or released
     */
    public static boolean isError(ByteBuf reply) {
        return reply.isReadable() && reply.getByte(reply.readerIndex()) == '-';
    }

    /**
     * Whether {@code reply} is an error whose first word is exactly {@code OOM}, {@code BUSY} or
     * {@code LOADING}: the replies twemproxy treats as a server failure (it closes the backend
     * connection and counts a failure). Other words, such as {@code BUSYKEY}, do not count.
     *
     * @param reply one complete reply, read from its reader index; not changed or released
     */
    public static boolean isTransientFailure(ByteBuf reply) {
        return isTransientFailure(reply, reply.readerIndex(), reply.writerIndex());
    }

    /**
     * As {@link #isTransientFailure(ByteBuf)}, for the reply between {@code start} and {@code end}
     * of {@code buf}; indexes are left alone.
     */
    public static boolean isTransientFailure(ByteBuf buf, int start, int end) {
        if (start >= end || buf.getByte(start) != '-') {
            return false;
        }
        int wordEnd = start + 1;
        while (wordEnd < end) {
            byte b = buf.getByte(wordEnd);
            if (b == ' ' || b == '\r') {
                break;
            }
            wordEnd++;
        }
        int length = wordEnd - start - 1;
        return wordEquals(buf, start + 1, length, OOM)
                || wordEquals(buf, start + 1, length, BUSY)
                || wordEquals(buf, start + 1, length, LOADING);
    }

    private static final byte[] OOM = {'O', 'O', 'M'};
    private static final byte[] BUSY = {'B', 'U', 'S', 'Y'};
    private static final byte[] LOADING = {'L', 'O', 'A', 'D', 'I', 'N', 'G'};

    private static boolean wordEquals(ByteBuf buf, int index, int length, byte[] word) {
        if (length != word.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buf.getByte(index + i) != word[i]) {
                return false;
            }
        }
        return true;
    }
}
