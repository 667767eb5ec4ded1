package dev.nutjar.memcache;

import dev.nutjar.memcache.internal.ReplyLines;
import dev.nutjar.protocol.Frames;
import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * Reads memcached replies from a backend's byte stream, one complete reply at a time. A reply's
 * shape depends on the request it answers — a get's runs through VALUE blocks to END, every other
 * is one line — so the caller says which command each reply is for: the command of the oldest
 * request still waiting on that connection.
 *
 * <p>One parser per backend connection; not thread-safe. {@link #reset()} makes it reusable.
 *
 * <p>It accepts only the replies memcached can give to that command, plus ERROR, CLIENT_ERROR and
 * SERVER_ERROR to any: a reply of the wrong kind means the proxy and the backend are out of step,
 * and is thrown as a {@link MemcacheProtocolException} rather than handed to the wrong client.
 */
public final class MemcacheReplyParser {

    /** memcached's largest configurable item is 1 GiB ({@code -I 1024m}); a get reply is bounded by this. */
    public static final int DEFAULT_MAX_REPLY_LENGTH = 1 << 30;
    /** The longest reply line accepted, without CRLF: VALUE lines are under 300 bytes. */
    public static final int MAX_LINE_LENGTH = 8192;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    /** CRLF END CRLF: the least that follows a VALUE block's data. */
    private static final int SHORTEST_END = 7;

    private final int maxReplyLength;
    private final int[] keyRange = new int[2];

    /** The command of the reply being read, or null between replies. */
    private MemcacheCommand inProgress;
    /** Where the next line starts, relative to the reader index. */
    private int lineStart;
    /** Relative index up to which the current line is known to hold no line feed. */
    private int scanned;
    /** Relative index of the CRLF that must follow the last VALUE's data, or -1. */
    private int pendingCrlf = -1;

    /** A parser accepting replies up to {@link #DEFAULT_MAX_REPLY_LENGTH}. */
    public MemcacheReplyParser() {
        this(DEFAULT_MAX_REPLY_LENGTH);
    }

    /**
     * @param maxReplyLength the longest reply accepted, in bytes; a get reply is all its VALUE blocks
     *     and END, and must fit. Longer ones are a {@link MemcacheProtocolException}.
     */
    public MemcacheReplyParser(int maxReplyLength) {
        if (maxReplyLength < 64) {
            throw new IllegalArgumentException("maxReplyLength must be at least 64 (was: " + maxReplyLength + ")");
        }
        this.maxReplyLength = maxReplyLength;
    }

    /**
     * Parses the next reply from {@code in}, consuming exactly its bytes.
     *
     * <p>Returns null when more bytes are needed; call again with the same command and the same
     * unread bytes followed by new ones (in the same or another buffer; the reader index may have
     * moved). Progress is kept: a large value's data is never scanned, a VALUE line never re-read.
     *
     * @param in owned by the caller, who keeps it and releases it; only its reader index is moved
     * @param forCommand the command of the request this reply answers; not {@link MemcacheCommand#QUIT}
     * @return a retained slice of {@code in} holding exactly one reply, CRLFs included, which the
     *     caller owns and must release; or null
     * @throws MemcacheProtocolException when the bytes are not a reply to {@code forCommand}; the
     *     parser is then reset, and the connection must be closed
     */
    public ByteBuf parse(ByteBuf in, MemcacheCommand forCommand) {
        int length = parseLength(in, forCommand);
        return length < 0 ? null : Frames.takeRetained(in, length);
    }

    /**
     * Finds the next complete reply in {@code in} without taking it: as {@link #parse}, but the
     * caller takes the reply's bytes itself (copies them, say) and then skips them. The next call
     * starts on a new reply whether or not they were skipped.
     *
     * @param in the backend's input, read from its reader index; not consumed, still the caller's
     * @return the length of the reply at the reader index, or -1 when more bytes are needed
     * @throws MemcacheProtocolException as {@link #parse}
     */
    public int parseLength(ByteBuf in, MemcacheCommand forCommand) {
        Objects.requireNonNull(forCommand, "forCommand");
        if (forCommand == MemcacheCommand.QUIT) {
            throw new IllegalArgumentException("quit has no reply");
        }
        if (inProgress != null && inProgress != forCommand) {
            throw new IllegalStateException("a reply to " + inProgress.wireName()
                    + " is half read; it cannot continue as a reply to " + forCommand.wireName());
        }
        int base = in.readerIndex();
        int end = in.writerIndex();
        for (;;) {
            if (pendingCrlf >= 0) {
                if (end - base < pendingCrlf + 2) {
                    inProgress = forCommand;
                    return -1;
                }
                if (in.getByte(base + pendingCrlf) != CR || in.getByte(base + pendingCrlf + 1) != LF) {
                    throw fail(forCommand, "value data not followed by CRLF", in, base + pendingCrlf, base + pendingCrlf + 2);
                }
                pendingCrlf = -1;
            }
            int lineAt = base + lineStart;
            int newline = in.indexOf(base + scanned, end, LF);
            if (newline < 0) {
                scanned = end - base;
                if (end - lineAt > MAX_LINE_LENGTH + 1) { // + 1: the last byte may be a CR
                    throw fail(forCommand, "no line feed within " + MAX_LINE_LENGTH + " bytes", in, lineAt, end);
                }
                inProgress = forCommand;
                return -1;
            }
            if (newline - lineAt > MAX_LINE_LENGTH + 1) {
                throw fail(forCommand, "line longer than " + MAX_LINE_LENGTH + " bytes", in, lineAt, newline);
            }
            if (newline == lineAt || in.getByte(newline - 1) != CR) {
                throw fail(forCommand, "line not ended by CRLF", in, lineAt, newline);
            }
            int lineEnd = newline - 1;
            int next = newline + 1 - base;
            if (next > maxReplyLength) {
                throw fail(forCommand, "reply longer than " + maxReplyLength + " bytes", in, lineAt, lineEnd);
            }
            if (forCommand.isRetrieval()) {
                if (ReplyLines.is(in, lineAt, lineEnd, ReplyLines.END)) {
                    return complete(next);
                }
                long valueLength = ReplyLines.parseValueLine(in, lineAt, lineEnd, keyRange);
                if (valueLength >= 0) {
                    long dataEnd = next + valueLength;
                    if (dataEnd + 2 > maxReplyLength) {
                        throw fail(forCommand, "reply longer than " + maxReplyLength + " bytes", in, lineAt, lineEnd);
                    }
                    pendingCrlf = (int) dataEnd;
                    lineStart = (int) dataEnd + 2;
                    scanned = lineStart;
                    continue;
                }
                if (lineStart == 0 && ReplyLines.isError(in, lineAt, lineEnd)) {
                    return complete(next);
                }
                throw fail(forCommand, "unexpected line", in, lineAt, lineEnd);
            }
            if (isOneLineReply(forCommand, in, lineAt, lineEnd) || ReplyLines.isError(in, lineAt, lineEnd)) {
                return complete(next);
            }
            throw fail(forCommand, "unexpected line", in, lineAt, lineEnd);
        }
    }

    /**
     * When {@code in} holds the start of a reply to a retrieval command but not all of it, and its
     * first VALUE line and data are at least {@code minLength} bytes: returns the length of that
     * line and data, which the caller must then take itself, and the next {@link #parse} returns
     * the rest of the reply (the CRLF after the data, then END or further VALUE blocks). Otherwise
     * -1, and nothing changes (a malformed line is left for {@link #parse}).
     *
     * @param in the backend's input, read from its reader index; not consumed, still the caller's
     */
    public int streamablePart(ByteBuf in, MemcacheCommand forCommand, int minLength) {
        if (!forCommand.isRetrieval() || (inProgress != null && inProgress != forCommand)) {
            return -1;
        }
        int base = in.readerIndex();
        int readable = in.readableBytes();
        int newline = in.indexOf(base, base + Math.min(readable, MAX_LINE_LENGTH + 2), LF);
        if (newline <= base || in.getByte(newline - 1) != CR) {
            return -1;
        }
        long valueLength = ReplyLines.parseValueLine(in, base, newline - 1, keyRange);
        if (valueLength < 0) {
            return -1;
        }
        long part = newline + 1 - base + valueLength;
        // Not while the reply may be complete: its shortest end, CRLF END CRLF, fits in what is here.
        if (part < minLength || part + SHORTEST_END <= readable || part + SHORTEST_END > maxReplyLength) {
            return -1;
        }
        // Whatever parse saw of this reply is dropped: it goes on from the CRLF after the data.
        inProgress = forCommand;
        pendingCrlf = 0;
        lineStart = 2;
        scanned = 2;
        return (int) part;
    }

    /** Forgets all progress, for reuse on another connection. */
    public void reset() {
        inProgress = null;
        lineStart = 0;
        scanned = 0;
        pendingCrlf = -1;
    }

    private static boolean isOneLineReply(MemcacheCommand command, ByteBuf in, int from, int to) {
        switch (command) {
            case SET:
            case ADD:
            case REPLACE:
            case APPEND:
            case PREPEND:
            case CAS:
                return ReplyLines.is(in, from, to, ReplyLines.STORED)
                        || ReplyLines.is(in, from, to, ReplyLines.NOT_STORED)
                        || ReplyLines.is(in, from, to, ReplyLines.EXISTS)
                        || ReplyLines.is(in, from, to, ReplyLines.NOT_FOUND);
            case DELETE:
                return ReplyLines.is(in, from, to, ReplyLines.DELETED) || ReplyLines.is(in, from, to, ReplyLines.NOT_FOUND);
            case INCR:
            case DECR:
                return ReplyLines.isNumber(in, from, to) || ReplyLines.is(in, from, to, ReplyLines.NOT_FOUND);
            case TOUCH:
                return ReplyLines.is(in, from, to, ReplyLines.TOUCHED) || ReplyLines.is(in, from, to, ReplyLines.NOT_FOUND);
            case VERSION:
                return ReplyLines.startsWith(in, from, to, ReplyLines.VERSION_PREFIX);
            default:
                return false;
        }
    }

    private int complete(int length) {
        reset();
        return length;
    }

    private MemcacheProtocolException fail(MemcacheCommand command, String what, ByteBuf in, int from, int to) {
        reset();
        return new MemcacheProtocolException("bad reply to " + command.wireName() + ": " + what + ": "
                + ReplyLines.excerpt(in, from, to));
    }
}
