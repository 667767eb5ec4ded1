package dev.nutjar.redis;

import dev.nutjar.redis.internal.Resp;
import dev.nutjar.redis.internal.LengthLine;
import dev.nutjar.protocol.Frames;
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
    private final LengthLine lengthLine = new LengthLine();

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
        int length = parseLength(in);
        return length < 0 ? null : Frames.takeRetained(in, length);
    }

    /**
     * Finds the next complete reply in {@code in} without taking it: as {@link #parse}, but the
     * caller takes the reply's bytes itself (copies them, say) and then skips them. The next call
     * starts on a new reply whether or not they were skipped.
     *
     * @param in the backend's input, read from its reader index; not consumed, still the caller's
     * @return the length of the reply at the reader index, or -1 when more bytes are needed
     * @throws RedisProtocolException as {@link #parse}
     */
    public int parseLength(ByteBuf in) {
        try {
            return replyLength(in);
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

    /**
     * When {@code in} holds the start of a bulk string reply but not all of it, and its header and
     * data are at least {@code minLength} bytes: returns the length of its header and data, which
     * the caller must then take itself, and the next {@link #parse} returns only the reply's final
     * CRLF. Otherwise -1, and nothing changes (a malformed header is left for {@link #parse}).
     *
     * @param in the backend's input, read from its reader index; not consumed, still the caller's
     */
    public int streamablePart(ByteBuf in, int minLength) {
        int base = in.readerIndex();
        int readable = in.readableBytes();
        if (readable == 0 || in.getByte(base) != '$') {
            return -1;
        }
        int length;
        try {
            length = lengthLine.parse(in, base, 0, readable, RedisRequestParser.MAX_BULK_LENGTH, true,
                    INVALID_BULK_LENGTH);
        } catch (RedisProtocolException e) {
            return -1;
        }
        if (length < 0) { // a null bulk, or the header is incomplete
            return -1;
        }
        long part = (long) lengthLine.end() + length;
        if (part < minLength || part + 2 <= readable || part + 2 > Integer.MAX_VALUE) {
            return -1;
        }
        // Whatever parse saw of this reply is dropped: what is left of it is a bulk of no bytes.
        pendingValues = 1;
        bulkLength = 0;
        scanned = 0;
        lineSearchFrom = -1;
        return (int) part;
    }

    /** Forgets any partly parsed reply. */
    public void reset() {
        pendingValues = 0;
        scanned = 0;
        bulkLength = -1;
        lineSearchFrom = -1;
    }

    private int replyLength(ByteBuf in) {
        final int base = in.readerIndex();
        final int readable = in.readableBytes();
        if (pendingValues == 0) {
            if (readable == 0) {
                return -1;
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
                    return -1;
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
                return -1;
            }
            byte type = in.getByte(base + pos);
            switch (type) {
                case '+':
                case '-':
                case ':': {
                    int end = lineEnd(in, base, pos, readable);
                    if (end == NEED_MORE) {
                        scanned = pos;
                        return -1;
                    }
                    if (type == ':' && !isInteger(in, base + pos + 1, end - 2 - (pos + 1))) {
                        throw new RedisProtocolException("invalid integer");
                    }
                    pos = end;
                    pendingValues--;
                    break;
                }
                case '$': {
                    int length = lengthLine.parse(in, base, pos, readable, RedisRequestParser.MAX_BULK_LENGTH, true,
                            INVALID_BULK_LENGTH);
                    if (length == NEED_MORE) {
                        scanned = pos;
                        return -1;
                    }
                    pos = lengthLine.end();
                    if (length < 0) {
                        pendingValues--;
                    } else {
                        bulkLength = length;
                    }
                    break;
                }
                case '*': {
                    int count = lengthLine.parse(in, base, pos, readable, Integer.MAX_VALUE, true, INVALID_MULTIBULK_LENGTH);
                    if (count == NEED_MORE) {
                        scanned = pos;
                        return -1;
                    }
                    pos = lengthLine.end();
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
        replyType = in.getByte(base);
        transientFailure = replyType == '-' && RedisReplies.isTransientFailure(in, base, base + pos);
        return pos;
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

}
