package dev.nutjar.redis.internal;

import io.netty.buffer.ByteBuf;

/** RESP encoding and scanning helpers shared by the parsers, fragmentation and replies. */
public final class Resp {

    public static final short CRLF = ('\r' << 8) | '\n';
    /** Marks a failed parse in {@link #parseLong}. */
    public static final long NOT_A_NUMBER = Long.MIN_VALUE;

    private Resp() {
    }

    /** The number of characters of {@code value} in decimal, including a minus sign. */
    public static int decimalLength(long value) {
        if (value < 0) {
            return value == Long.MIN_VALUE ? 20 : 1 + decimalLength(-value);
        }
        int length = 1;
        for (long limit = 10; value >= limit && length < 19; limit *= 10) {
            length++;
        }
        return length;
    }

    /** Writes {@code value} in decimal without allocating. */
    public static void writeDecimal(ByteBuf out, long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                out.writeBytes(new byte[] {'-', '9', '2', '2', '3', '3', '7', '2', '0', '3', '6', '8',
                        '5', '4', '7', '7', '5', '8', '0', '8'});
                return;
            }
            out.writeByte('-');
            value = -value;
        }
        int length = decimalLength(value);
        int end = out.writerIndex() + length;
        out.ensureWritable(length);
        for (int i = end - 1; i >= out.writerIndex(); i--) {
            out.setByte(i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(end);
    }

    /** The size of {@code $<length>\r\n<bytes>\r\n}. */
    public static int bulkSize(int length) {
        return 1 + decimalLength(length) + 2 + length + 2;
    }

    /** Writes {@code length} bytes of {@code src} from {@code index} as a bulk string. */
    public static void writeBulk(ByteBuf out, ByteBuf src, int index, int length) {
        out.writeByte('$');
        writeDecimal(out, length);
        out.writeShort(CRLF);
        out.writeBytes(src, index, length);
        out.writeShort(CRLF);
    }

    /** Writes {@code bytes} as a bulk string. */
    public static void writeBulk(ByteBuf out, byte[] bytes) {
        out.writeByte('$');
        writeDecimal(out, bytes.length);
        out.writeShort(CRLF);
        out.writeBytes(bytes);
        out.writeShort(CRLF);
    }

    /**
     * Parses a signed decimal the way Redis's {@code string2ll} does: an optional minus, no plus,
     * no leading zeros, no spaces, within a {@code long}.
     *
     * @return the value, or {@link #NOT_A_NUMBER}
     */
    public static long parseLong(ByteBuf buf, int index, int length) {
        if (length <= 0 || length > 20) {
            return NOT_A_NUMBER;
        }
        int i = index;
        int end = index + length;
        boolean negative = buf.getByte(i) == '-';
        if (negative && ++i == end) {
            return NOT_A_NUMBER;
        }
        int first = buf.getByte(i);
        if (first == '0') {
            return i + 1 == end && !negative ? 0 : NOT_A_NUMBER;
        }
        // Accumulate negatively so Long.MIN_VALUE fits.
        long value = 0;
        for (; i < end; i++) {
            int digit = buf.getByte(i) - '0';
            if (digit < 0 || digit > 9 || value < (Long.MIN_VALUE + digit) / 10) {
                return NOT_A_NUMBER;
            }
            value = value * 10 - digit;
        }
        if (negative) {
            return value;
        }
        return value == Long.MIN_VALUE ? NOT_A_NUMBER : -value;
    }

    /**
     * Returns the index just past the complete RESP value at {@code index}. The value must have
     * come from a reply parser (complete and well formed); anything else yields {@code -1}.
     * Iterative: nesting depth costs nothing.
     */
    public static int valueEnd(ByteBuf buf, int index, int limit) {
        long pending = 1;
        int i = index;
        while (pending > 0) {
            if (i >= limit) {
                return -1;
            }
            byte type = buf.getByte(i);
            int lineEnd = buf.indexOf(i + 1, limit, (byte) '\n');
            if (lineEnd < 0) {
                return -1;
            }
            pending--;
            if (type == '$' || type == '*') {
                long length = parseLong(buf, i + 1, lineEnd - 1 - (i + 1));
                if (length == NOT_A_NUMBER) {
                    return -1;
                }
                if (type == '$' && length >= 0) {
                    i = lineEnd + 1 + (int) length + 2;
                    continue;
                }
                if (type == '*' && length > 0) {
                    pending += length;
                }
            }
            i = lineEnd + 1;
        }
        return i <= limit ? i : -1;
    }

    /**
     * Redis replaces CR and LF with spaces in error texts so they cannot break the protocol;
     * this does the same.
     */
    public static String sanitizeErrorText(String text) {
        if (text.indexOf('\r') < 0 && text.indexOf('\n') < 0) {
            return text;
        }
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    /**
     * Appends at most {@code maxChars} bytes as ISO-8859-1 characters, stopping at a NUL byte as
     * Redis's {@code %.*s} does.
     */
    public static void appendCString(StringBuilder out, ByteBuf buf, int index, int length, int maxChars) {
        int end = index + Math.min(length, Math.max(maxChars, 0));
        for (int i = index; i < end; i++) {
            byte b = buf.getByte(i);
            if (b == 0) {
                return;
            }
            out.append((char) (b & 0xFF));
        }
    }

    /** Writes {@code text} as a bulk string, its characters as ISO-8859-1 bytes. */
    public static void writeBulk(ByteBuf out, String text) {
        writeBulk(out, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Writes the header of an array of {@code count} elements. */
    public static void writeArrayHeader(ByteBuf out, int count) {
        out.writeByte('*');
        writeDecimal(out, count);
        out.writeShort(CRLF);
    }

    /** Writes the null bulk string, {@code $-1}. */
    public static void writeNullBulk(ByteBuf out) {
        out.writeByte('$');
        out.writeByte('-');
        out.writeByte('1');
        out.writeShort(CRLF);
    }
}
