package dev.nutjar.redis.internal;

import dev.nutjar.redis.RedisProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * Reads the length in a RESP {@code *} or {@code $} header line: digits without a leading zero
 * up to a bound (or {@code -1}, where a null is allowed), then CRLF. It fails at the first wrong
 * byte or as soon as the value passes the bound, so a header never needs more than a dozen bytes
 * and nothing is allocated before the length is known to be acceptable.
 *
 * <p>One per parser; not thread-safe. {@link #end()} is where the line ended.
 */
public final class LengthLine {
    /** {@link #parse} needs more bytes. */
    public static final int NEED_MORE = Integer.MIN_VALUE;

    private int end;

    /**
     * Parses the header line whose type byte is at {@code base + start}.
     *
     * @param in the bytes; not consumed, still owned by the caller
     * @param readable how many bytes from {@code base} are available
     * @param allowNull whether {@code -1} (a null bulk or array) is accepted
     * @param error the protocol error's message when the line is malformed
     * @return the length, -1 for a null, or {@link #NEED_MORE}
     * @throws RedisProtocolException when the line is malformed or the length passes {@code max}
     */
    public int parse(ByteBuf in, int base, int start, int readable, long max, boolean allowNull, String error) {
        int i = start + 1;
        if (i >= readable) {
            return NEED_MORE;
        }
        int b = in.getByte(base + i);
        long value;
        if (b == '-' && allowNull) {
            if (++i >= readable) {
                return NEED_MORE;
            }
            if (in.getByte(base + i) != '1') {
                throw new RedisProtocolException(error);
            }
            value = -1;
            i++;
        } else if (b == '0') {
            value = 0;
            i++;
        } else if (b >= '1' && b <= '9') {
            value = b - '0';
            while (true) {
                if (value > max) {
                    throw new RedisProtocolException(error);
                }
                if (++i >= readable) {
                    return NEED_MORE;
                }
                b = in.getByte(base + i);
                if (b < '0' || b > '9') {
                    break;
                }
                value = value * 10 + (b - '0');
            }
        } else {
            throw new RedisProtocolException(error);
        }
        if (i >= readable) {
            return NEED_MORE;
        }
        if (in.getByte(base + i) != '\r') {
            throw new RedisProtocolException(error);
        }
        if (i + 1 >= readable) {
            return NEED_MORE;
        }
        if (in.getByte(base + i + 1) != '\n') {
            throw new RedisProtocolException(error);
        }
        end = i + 2;
        return (int) value;
    }

    /** The offset (from {@code base}) just past the CRLF of the line last parsed. */
    public int end() {
        return end;
    }
}
