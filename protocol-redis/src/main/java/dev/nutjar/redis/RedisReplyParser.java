package dev.nutjar.redis;

import dev.nutjar.redis.internal.Resp;
import io.netty.buffer.ByteBuf;

/**
 * Parses backend replies: simple strings, errors, integers, bulk strings (including the null bulk
 * {@code $-1}) and arrays (including the null array {@code *-1}) nested to any depth.
 *
 * <p>One parser per backend connection; not thread-safe. Nesting is handled without recursion
 * and without a stack: a count of the values still missing from the current reply is enough to
 * know where it ends. The parser is resumable, as {@link RedisRequestParser} is: between calls
 * the caller may append to the input and move its readable bytes, but must not consume them.
 */
public final class RedisReplyParser {

    private static final String INVALID_BULK_LENGTH = "invalid bulk length";
    private static final String INVALID_MULTIBULK_LENGTH = "invalid multibulk length";
    private static final int NEED_MORE = Integer.MIN_VALUE;

    /** Values still missing from the reply in progress; 0 between replies. */
    private long pendingValues;
    /** Bytes of the reply in progress already parsed, from the input's reader index. */
    private int scanned;
    /** The length of the bulk whose body is awaited, or -1. */
    private int bulkLength = -1;
    /** Where to resume looking for the CR of a long simple line, or -1. */
    private int lineSearchFrom = -1;
    /** Set by {@link #parseLength}: the offset just past the line's CRLF. */
    private int lineEnd;

    private byte replyType;
    private boolean transientFailure;

    /**
     * Parses the next reply from {@code in}.
     *
     * @param in the backend's input, read from its reader index. Not released. When a reply is
     *     returned its bytes have been consumed; otherwise the reader index is unchanged
     * @return a retained slice holding exactly one complete reply, which the caller owns and must
     *     release; or {@code null} when more bytes are needed
     * @throws RedisProtocolException if the input is not a valid reply; the parser is reset and the
     *     input left as it was; the backend connection must be closed
     */
    public ByteBuf parse(ByteBuf in) {
        try {
            return parseReply(in);
        } catch (RedisProtocolException e) {
            reset();
            throw e;
        }
    }

    /** The type byte ({@code + - : $ *}) of the reply last returned by {@link #parse}. */
    public byte replyType() {
        return replyType;
    }

    /** Whether the reply last returned by {@link #parse} is an error ({@code -...}). */
    public boolean isError() {
        return replyType == '-';
    }

    /**
     * Whether the reply last returned by {@link #parse} is {@code -OOM}, {@code -BUSY} or
     * {@code -LOADING} (see {@link RedisReplies#isTransientFailure}).
     */
    public boolean isTransientFailure() {
        return transientFailure;
    }

    /** Forgets any partly parsed reply. */
    public void reset() {
        pendingValues = 0;
        scanned = 0;
        bulkLength = -1;
        lineSearchFrom = -1;
    }

    private ByteBuf parseReply(ByteBuf in) {
        final int base = in.readerIndex();
        final int readable = in.readableBytes();
        if (pendingValues == 0) {
            if (readable == 0) {
                return null;
            }
            pendingValues = 1;
            scanned = 0;
        }
        int pos = scanned;
        while (pendingValues > 0) {
            if (bulkLength >= 0) {
                long end = (long) pos + bulkLength + 2;
                if (end > readable) {
                    if (end > Integer.MAX_VALUE) {
                        throw new RedisProtocolException("reply too large");
                    }
                    scanned = pos;
                    return null;
                }
                if (in.getShort(base + pos + bulkLength) != Resp.CRLF) {
                    throw new RedisProtocolException("bulk not terminated by CRLF");
                }
                pos = (int) end;
                bulkLength = -1;
                pendingValues--;
                continue;
            }
            if (pos >= readable) {
                scanned = pos;
                return null;
            }
            byte type = in.getByte(base + pos);
            switch (type) {
                case '+':
                case '-':
                case ':': {
                    int end = lineEnd(in, base, pos, readable);
                    if (end == NEED_MORE) {
                        scanned = pos;
                        return null;
                    }
                    if (type == ':' && !isInteger(in, base + pos + 1, end - 2 - (pos + 1))) {
                        throw new RedisProtocolException("invalid integer");
                    }
                    pos = end;
                    pendingValues--;
                    break;
                }
                case '$': {
                    int length = parseLength(in, base, pos, readable, RedisRequestParser.MAX_BULK_LENGTH,
                            INVALID_BULK_LENGTH);
                    if (length == NEED_MORE) {
                        scanned = pos;
                        return null;
                    }
                    pos = lineEnd;
                    if (length < 0) {
                        pendingValues--;
                    } else {
                        bulkLength = length;
                    }
                    break;
                }
                case '*': {
                    int count = parseLength(in, base, pos, readable, Integer.MAX_VALUE, INVALID_MULTIBULK_LENGTH);
                    if (count == NEED_MORE) {
                        scanned = pos;
                        return null;
                    }
                    pos = lineEnd;
                    pendingValues--;
                    if (count > 0) {
                        pendingValues += count;
                    }
                    break;
                }
                default:
                    throw new RedisProtocolException("unknown reply type '" + (char) (type & 0xFF) + "'");
            }
        }
        scanned = 0;
        ByteBuf reply = in.retainedSlice(base, pos);
        in.skipBytes(pos);
        replyType = reply.getByte(0);
        transientFailure = replyType == '-' && RedisReplies.isTransientFailure(reply);
        return reply;
    }

    /**
     * Finds the end of the simple line at {@code start}, resuming the search where the previous
     * call stopped so a long line arriving in pieces is scanned once.
     *
     * @return the offset just past its CRLF, or {@link #NEED_MORE}
     */
    private int lineEnd(ByteBuf in, int base, int start, int readable) {
        int from = lineSearchFrom >= 0 ? lineSearchFrom : start + 1;
        int cr = from < readable ? in.indexOf(base + from, base + readable, (byte) '\r') : -1;
        if (cr < 0) {
            lineSearchFrom = readable;
            return NEED_MORE;
        }
        cr -= base;
        if (cr + 1 >= readable) {
            lineSearchFrom = cr;
            return NEED_MORE;
        }
        if (in.getByte(base + cr + 1) != '\n') {
            throw new RedisProtocolException("line not terminated by CRLF");
        }
        lineSearchFrom = -1;
        return cr + 2;
    }

    /** An optional minus and at least one digit, as twemproxy accepts. */
    private static boolean isInteger(ByteBuf in, int index, int length) {
        int i = index;
        int end = index + length;
        if (i < end && in.getByte(i) == '-') {
            i++;
        }
        if (i == end) {
            return false;
        }
        for (; i < end; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses the length in a {@code $} or {@code *} header: {@code -1}, or digits without a
     * leading zero up to {@code max}, then CRLF.
     *
     * @return the length (-1 for null), or {@link #NEED_MORE}; sets {@link #lineEnd}
     */
    private int parseLength(ByteBuf in, int base, int start, int readable, int max, String error) {
        int i = start + 1;
        if (i >= readable) {
            return NEED_MORE;
        }
        int b = in.getByte(base + i);
        long value;
        if (b == '-') {
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
        lineEnd = i + 2;
        return (int) value;
    }
}
