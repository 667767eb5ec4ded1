package dev.nutjar.memcache.internal;

import io.netty.buffer.ByteBuf;

/**
 * Parsers for the numeric tokens of memcached's command lines.
 *
 * <p>They accept a subset of what memcached's {@code strtol}-based parsing accepts: an optional sign
 * ({@code +} always, {@code -} for signed fields), then decimal digits, in the field's range. What
 * they reject memcached rejects too or reads in a way that depends on its build (C {@code long}
 * width, silent truncation), so a request that passes here is read by every memcached exactly as
 * by the proxy — which matters most for a storage command's length: were the proxy and memcached to
 * disagree, memcached would take the data block for a command.
 */
public final class AsciiNumbers {
    private AsciiNumbers() {}

    /** Returned for a token that is not a number in range. */
    public static final long INVALID = Long.MIN_VALUE;

    private static final byte[] UNSIGNED_64_MAX = "18446744073709551615".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** An unsigned number up to {@code max} (at most {@link Long#MAX_VALUE} / 10), or {@link #INVALID}. */
    public static long parseUnsigned(ByteBuf buf, int from, int to, long max) {
        int i = from;
        if (i < to && buf.getByte(i) == '+') {
            i++;
        }
        return digits(buf, i, to, max);
    }

    /** A signed 32-bit number, or {@link #INVALID}. */
    public static long parseSigned32(ByteBuf buf, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to) {
            byte sign = buf.getByte(i);
            if (sign == '+' || sign == '-') {
                negative = sign == '-';
                i++;
            }
        }
        long magnitude = digits(buf, i, to, negative ? -(long) Integer.MIN_VALUE : Integer.MAX_VALUE);
        if (magnitude == INVALID) {
            return INVALID;
        }
        return negative ? -magnitude : magnitude;
    }

    /** Whether the token is an unsigned 64-bit number (cas unique, incr/decr delta). */
    public static boolean isUnsigned64(ByteBuf buf, int from, int to) {
        int i = from;
        if (i < to && buf.getByte(i) == '+') {
            i++;
        }
        if (i == to) {
            return false;
        }
        for (int j = i; j < to; j++) {
            byte b = buf.getByte(j);
            if (b < '0' || b > '9') {
                return false;
            }
        }
        while (i < to - 1 && buf.getByte(i) == '0') {
            i++;
        }
        int length = to - i;
        if (length != UNSIGNED_64_MAX.length) {
            return length < UNSIGNED_64_MAX.length;
        }
        for (int j = 0; j < length; j++) {
            byte b = buf.getByte(i + j);
            if (b != UNSIGNED_64_MAX[j]) {
                return b < UNSIGNED_64_MAX[j];
            }
        }
        return true;
    }

    /** Unsigned decimal digits only, at least one; value at most {@code max}; else {@link #INVALID}. */
    public static long digits(ByteBuf buf, int from, int to, long max) {
        if (from >= to) {
            return INVALID;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = buf.getByte(i) - '0';
            if (digit < 0 || digit > 9) {
                return INVALID;
            }
            value = value * 10 + digit;
            if (value > max) {
                return INVALID;
            }
        }
        return value;
    }
}
