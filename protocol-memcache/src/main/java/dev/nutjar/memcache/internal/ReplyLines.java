package dev.nutjar.memcache.internal;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Recognises memcached reply lines, given without their CRLF as {@code [from, to)} of a buffer. */
public final class ReplyLines {
    private ReplyLines() {}

    public static final byte[] END = ascii("END");
    public static final byte[] STORED = ascii("STORED");
    public static final byte[] NOT_STORED = ascii("NOT_STORED");
    public static final byte[] EXISTS = ascii("EXISTS");
    public static final byte[] NOT_FOUND = ascii("NOT_FOUND");
    public static final byte[] DELETED = ascii("DELETED");
    public static final byte[] TOUCHED = ascii("TOUCHED");
    public static final byte[] VALUE_PREFIX = ascii("VALUE ");
    public static final byte[] VERSION_PREFIX = ascii("VERSION ");

    private static final byte[] ERROR = ascii("ERROR");
    private static final byte[] CLIENT_ERROR = ascii("CLIENT_ERROR");
    private static final byte[] SERVER_ERROR = ascii("SERVER_ERROR");
    private static final long FLAGS_MAX = 0xFFFF_FFFFL;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether the line is exactly {@code word}. */
    public static boolean is(ByteBuf buf, int from, int to, byte[] word) {
        return to - from == word.length && startsWith(buf, from, to, word);
    }

    public static boolean startsWith(ByteBuf buf, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(from + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code ERROR}, {@code CLIENT_ERROR} or {@code SERVER_ERROR}, alone or followed by a space and text. */
    public static boolean isError(ByteBuf buf, int from, int to) {
        return isWordThenText(buf, from, to, ERROR)
                || isWordThenText(buf, from, to, CLIENT_ERROR)
                || isWordThenText(buf, from, to, SERVER_ERROR);
    }

    private static boolean isWordThenText(ByteBuf buf, int from, int to, byte[] word) {
        return startsWith(buf, from, to, word) && (to - from == word.length || buf.getByte(from + word.length) == ' ');
    }

    /** An incr/decr result: 1 to 20 digits. */
    public static boolean isNumber(ByteBuf buf, int from, int to) {
        if (to - from < 1 || to - from > 20) {
            return false;
        }
        for (int i = from; i < to; i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses {@code VALUE <key> <flags> <bytes> [<cas>]}.
     *
     * @param keyRange receives the key's start and end indexes
     * @return the data block length, or -1 when the line is not such a line
     */
    public static long parseValueLine(ByteBuf buf, int from, int to, int[] keyRange) {
        if (!startsWith(buf, from, to, VALUE_PREFIX)) {
            return -1;
        }
        int i = from + VALUE_PREFIX.length;
        long bytes = -1;
        int token = 0;
        while (i < to) {
            if (buf.getByte(i) == ' ') {
                i++;
                continue;
            }
            int start = i;
            int space = buf.indexOf(i + 1, to, (byte) ' ');
            i = space < 0 ? to : space;
            switch (token) {
                case 0:
                    keyRange[0] = start;
                    keyRange[1] = i;
                    break;
                case 1:
                    if (AsciiNumbers.digits(buf, start, i, FLAGS_MAX) == AsciiNumbers.INVALID) {
                        return -1;
                    }
                    break;
                case 2:
                    bytes = AsciiNumbers.digits(buf, start, i, Integer.MAX_VALUE);
                    if (bytes == AsciiNumbers.INVALID) {
                        return -1;
                    }
                    break;
                case 3:
                    if (!AsciiNumbers.isUnsigned64(buf, start, i) || buf.getByte(start) == '+') {
                        return -1;
                    }
                    break;
                default:
                    return -1;
            }
            token++;
        }
        return token >= 3 ? bytes : -1;
    }

    /** The line quoted for an error message: printable ASCII as is, other bytes escaped, at most 80 bytes. */
    public static String excerpt(ByteBuf buf, int from, int to) {
        StringBuilder s = new StringBuilder("'");
        int end = Math.min(to, from + 80);
        for (int i = from; i < end; i++) {
            int b = buf.getByte(i) & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'') {
                s.append((char) b);
            } else {
                s.append(String.format("\\x%02x", b));
            }
        }
        if (end < to) {
            s.append("...");
        }
        return s.append('\'').toString();
    }
}
