package dev.nutjar.memcache;

import static dev.nutjar.memcache.MemcacheRequest.KEY_MAX_LENGTH;

import dev.nutjar.memcache.internal.AsciiNumbers;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Reads memcached ASCII requests from a client's byte stream, one at a time: a resumable state
 * machine over the caller's input buffer, in the manner of Netty's decoders but free of any Channel.
 *
 * <p>One parser per client connection; not thread-safe. {@link #reset()} makes it reusable.
 *
 * <p>What it accepts is what memcached 1.6 accepts, and a client mistake gets memcached's answer
 * (see {@link MemcacheError}), with these deliberate differences: numbers are held to the ranges
 * of {@link dev.nutjar.memcache.internal.AsciiNumbers}; a data block of the wrong length closes
 * the connection (memcached goes on reading its tail as commands); lines are bounded; gets are
 * bounded in keys. Like memcached: commands are lower case; any number of spaces separates tokens;
 * a line ends in CRLF or a bare LF; a NUL byte ends the line early; exptime may be negative;
 * {@code delete <key> 0} is the legacy form of {@code delete <key>}; an unrecognised last token of
 * a storage, arithmetic or touch command is ignored (only {@code noreply} means something there);
 * {@code version} and {@code quit} ignore their arguments; a malformed storage command consumes
 * only its line, so its data block is read as the next command.
 */
public final class MemcacheRequestParser {

    /** memcached's default item size limit, 1 MB. */
    public static final int DEFAULT_MAX_VALUE_LENGTH = 1024 * 1024;
    /** memcached closes a connection that sends 2048 bytes without a line feed (gets excepted). */
    public static final int DEFAULT_MAX_LINE_LENGTH = 2048;
    /** memcached has no limit; this one bounds a get line to about 2.5 MB. */
    public static final int DEFAULT_MAX_KEYS_PER_GET = 10_000;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SPACE = ' ';
    private static final byte BINARY_MAGIC = (byte) 0x80;
    private static final byte[] NOREPLY = {'n', 'o', 'r', 'e', 'p', 'l', 'y'};
    private static final long FLAGS_MAX = 0xFFFF_FFFFL;
    /** memcached rejects lengths over INT_MAX - 2 (the length plus CRLF must fit an int). */
    private static final long VALUE_LENGTH_MAX = Integer.MAX_VALUE - 2;

    private final int maxValueLength;
    private final int maxLineLength;
    private final int maxKeysPerGet;
    private final int maxGetLineLength;
    /** The most tokens any acceptable line has: a get with the most keys, or a cas with noreply. */
    private final int tokensStoredMax;

    /** Bytes after the reader index known to hold no line feed: a long line is scanned once. */
    private int lineScanned;

    /** Set while a storage command's line is parsed and its data block has not all arrived. */
    private MemcacheCommand pendingCommand;
    private boolean pendingNoreply;
    private int pendingLineLength;
    private int pendingFrameLength;
    private int pendingKeyOffset;
    private int pendingKeyLength;

    /** Bytes of a too-large data block still to be skipped as they arrive. */
    private long bytesToSwallow;
    /** Spare requests of the thread that parses; taken on the first request. */
    private ThreadLocalPool.Local<MemcacheRequest> requests;

    /** After quit or a fatal error everything that follows is discarded. */
    private boolean discarding;

    /** Start and end (absolute indexes) of each token of the current line; grows for big gets. */
    private int[] tokens = new int[32];
    private int tokenCount;

    /** A parser with memcached's limits: 1 MB values, 2048-byte lines, and 10,000 keys per get. */
    public MemcacheRequestParser() {
        this(DEFAULT_MAX_VALUE_LENGTH, DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_KEYS_PER_GET);
    }

    /**
     * @param maxValueLength the largest data block accepted; larger ones are answered with
     *     {@link MemcacheError#OBJECT_TOO_LARGE} and skipped. 0 to 1 GiB.
     * @param maxLineLength the longest command line, without CRLF; longer ones close the
     *     connection. At least 64. A get's line may be longer, by 251 bytes per key allowed.
     * @param maxKeysPerGet the most keys in one get; more are answered with
     *     {@link MemcacheError#TOO_MANY_KEYS}. At least 1.
     */
    public MemcacheRequestParser(int maxValueLength, int maxLineLength, int maxKeysPerGet) {
        if (maxValueLength < 0 || maxValueLength > (1 << 30)) {
            throw new IllegalArgumentException("maxValueLength must be 0 to 1 GiB (was: " + maxValueLength + ")");
        }
        if (maxLineLength < 64 || maxLineLength > (1 << 20)) {
            throw new IllegalArgumentException("maxLineLength must be 64 to 1 MiB (was: " + maxLineLength + ")");
        }
        if (maxKeysPerGet < 1 || maxKeysPerGet > (1 << 20)) {
            throw new IllegalArgumentException("maxKeysPerGet must be 1 to 1048576 (was: " + maxKeysPerGet + ")");
        }
        this.maxValueLength = maxValueLength;
        this.maxLineLength = maxLineLength;
        this.maxKeysPerGet = maxKeysPerGet;
        this.tokensStoredMax = Math.max(maxKeysPerGet + 1, 7);
        this.maxGetLineLength = (int) Math.min(Integer.MAX_VALUE - 16,
                (long) maxLineLength + (long) maxKeysPerGet * (KEY_MAX_LENGTH + 1));
    }

    /**
     * Parses the next request from {@code in}, consuming exactly its bytes.
     *
     * <p>Returns null when more bytes are needed; call again with the same unread bytes followed by
     * new ones (the buffer may be a different one, as after a cumulator reallocates, and its reader
     * index may have moved, as after {@code discardReadBytes}). Progress is kept, so a large data
     * block or a long line is not scanned again. A too-large data block is skipped as it arrives,
     * never buffered. After {@code quit} or a request that {@link MemcacheRequest#closesConnection()
     * closes the connection}, all further input is discarded.
     *
     * <p>Never throws for any input: a client's mistake comes back as a request that
     * {@link MemcacheRequest#isError()}.
     *
     * @param in owned by the caller, who keeps it and releases it; only its reader index is moved
     * @return a request the caller owns and must release (it holds a reference to {@code in}),
     *     or null
     */
    public MemcacheRequest parse(ByteBuf in) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        if (bytesToSwallow > 0) {
            int skipped = (int) Math.min(bytesToSwallow, in.readableBytes());
            in.skipBytes(skipped);
            bytesToSwallow -= skipped;
            if (bytesToSwallow > 0) {
                return null;
            }
        }
        if (pendingCommand != null) {
            return completeStorage(in);
        }
        if (!in.isReadable()) {
            return null;
        }
        int start = in.readerIndex();
        if (in.getByte(start) == BINARY_MAGIC) {
            return fatal(in, MemcacheError.BINARY_PROTOCOL, 0);
        }
        int end = in.writerIndex();
        int newline = in.indexOf(start + lineScanned, end, LF);
        if (newline < 0) {
            lineScanned = end - start;
            // The last byte may be the CR of a line of just the maximum length.
            int atLeast = lineScanned - 1;
            if (atLeast > maxLineLength && atLeast > lineLimit(in, start, end)) {
                return fatal(in, MemcacheError.LINE_TOO_LONG, 0);
            }
            return null;
        }
        lineScanned = 0;
        int lineEnd = newline > start && in.getByte(newline - 1) == CR ? newline - 1 : newline;
        int lineLength = lineEnd - start;
        if (lineLength > maxLineLength && lineLength > lineLimit(in, start, lineEnd)) {
            return fatal(in, MemcacheError.LINE_TOO_LONG, 0);
        }
        return parseLine(in, start, lineEnd, newline + 1 - start);
    }

    /** Forgets all progress and state, for reuse on another connection. */
    public void reset() {
        lineScanned = 0;
        pendingCommand = null;
        bytesToSwallow = 0;
        discarding = false;
        tokenCount = 0;
    }

    /** The line limit for a line starting at {@code start}: gets may be longer (memcached does the same). */
    private int lineLimit(ByteBuf in, int start, int end) {
        // Called only once more than maxLineLength bytes are in: the same window decides, however
        // the line arrived.
        int spacesEnd = start + maxLineLength - 5;
        int i = start;
        while (i < spacesEnd && in.getByte(i) == SPACE) {
            i++;
        }
        if (end - i >= 5 && in.getByte(i) == 'g' && in.getByte(i + 1) == 'e' && in.getByte(i + 2) == 't'
                && (in.getByte(i + 3) == SPACE || (in.getByte(i + 3) == 's' && in.getByte(i + 4) == SPACE))) {
            return maxGetLineLength;
        }
        return maxLineLength;
    }

    private MemcacheRequest parseLine(ByteBuf in, int start, int lineEnd, int consumed) {
        tokenize(in, start, lineEnd);
        if (tokenCount == 0) {
            return error(in, null, MemcacheError.UNKNOWN_COMMAND, false, consumed);
        }
        MemcacheCommand command = MemcacheCommand.lookup(in, tokenStart(0), tokenLength(0));
        if (command == null) {
            return error(in, null, MemcacheError.UNKNOWN_COMMAND, false, consumed);
        }
        switch (command) {
            case GET:
            case GETS:
                return retrieval(in, command, start, consumed);
            case SET:
            case ADD:
            case REPLACE:
            case APPEND:
            case PREPEND:
                return storage(in, command, start, consumed, 5);
            case CAS:
                return storage(in, command, start, consumed, 6);
            case DELETE:
                return delete(in, start, consumed);
            case INCR:
            case DECR:
                return arithmeticOrTouch(in, command, start, consumed, MemcacheError.INVALID_DELTA);
            case TOUCH:
                return arithmeticOrTouch(in, command, start, consumed, MemcacheError.INVALID_EXPTIME);
            case VERSION:
                return keyless(in, command, start, consumed);
            case QUIT:
                discarding = true;
                MemcacheRequest quit = keyless(in, command, start, consumed);
                in.skipBytes(in.readableBytes());
                return quit;
            default:
                throw new AssertionError(command);
        }
    }

    /**
     * memcached's tokenizer: tokens split on spaces only; a NUL ends the line (memcached uses
     * strlen). Token ends are found with {@code indexOf}, which scans eight bytes at a time.
     */
    private void tokenize(ByteBuf in, int from, int to) {
        tokenCount = 0;
        int nul = in.indexOf(from, to, (byte) 0);
        int end = nul < 0 ? to : nul;
        int i = from;
        while (i < end) {
            if (in.getByte(i) == SPACE) {
                i++;
                continue;
            }
            int space = in.indexOf(i + 1, end, SPACE);
            int tokenEnd = space < 0 ? end : space;
            addToken(i, tokenEnd);
            i = tokenEnd + 1;
        }
    }

    private void addToken(int start, int end) {
        // Past what any good line has, tokens are only counted: no line makes the array grow more.
        if (tokenCount < tokensStoredMax) {
            int at = 2 * tokenCount;
            if (at == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[at] = start;
            tokens[at + 1] = end;
        }
        tokenCount++;
    }

    private int tokenStart(int index) {
        return tokens[2 * index];
    }

    private int tokenEnd(int index) {
        return tokens[2 * index + 1];
    }

    private int tokenLength(int index) {
        return tokens[2 * index + 1] - tokens[2 * index];
    }

    private boolean isNoreply(ByteBuf in, int index) {
        if (tokenLength(index) != NOREPLY.length) {
            return false;
        }
        int at = tokenStart(index);
        for (int i = 0; i < NOREPLY.length; i++) {
            if (in.getByte(at + i) != NOREPLY[i]) {
                return false;
            }
        }
        return true;
    }

    private MemcacheRequest retrieval(ByteBuf in, MemcacheCommand command, int start, int consumed) {
        int keyCount = tokenCount - 1;
        if (keyCount < 1) {
            return error(in, command, MemcacheError.UNKNOWN_COMMAND, false, consumed);
        }
        if (keyCount > maxKeysPerGet) {
            return error(in, command, MemcacheError.TOO_MANY_KEYS, false, consumed);
        }
        for (int i = 1; i <= keyCount; i++) {
            if (tokenLength(i) > KEY_MAX_LENGTH) {
                return error(in, command, MemcacheError.BAD_COMMAND_LINE, false, consumed);
            }
        }
        MemcacheRequest request = MemcacheRequest.take(requests(), in, consumed)
                .init(command, null, false, keyCount, tokenStart(1) - start, tokenLength(1), -1, -1);
        if (keyCount > 1) {
            int[] keyPositions = request.keyPositions(keyCount);
            for (int i = 0; i < keyCount; i++) {
                keyPositions[2 * i] = tokenStart(i + 1) - start;
                keyPositions[2 * i + 1] = tokenLength(i + 1);
            }
        }
        return request;
    }

    private MemcacheRequest storage(ByteBuf in, MemcacheCommand command, int start, int consumed, int tokensWithoutNoreply) {
        if (tokenCount != tokensWithoutNoreply && tokenCount != tokensWithoutNoreply + 1) {
            return error(in, command, MemcacheError.UNKNOWN_COMMAND, false, consumed);
        }
        // memcached honours noreply even when the rest of the line is bad: its error is silenced.
        boolean noreply = isNoreply(in, tokenCount - 1);
        if (tokenLength(1) > KEY_MAX_LENGTH
                || AsciiNumbers.parseUnsigned(in, tokenStart(2), tokenEnd(2), FLAGS_MAX) == AsciiNumbers.INVALID
                || AsciiNumbers.parseSigned32(in, tokenStart(3), tokenEnd(3)) == AsciiNumbers.INVALID) {
            return error(in, command, MemcacheError.BAD_COMMAND_LINE, noreply, consumed);
        }
        long valueLength = AsciiNumbers.parseUnsigned(in, tokenStart(4), tokenEnd(4), VALUE_LENGTH_MAX);
        if (valueLength == AsciiNumbers.INVALID
                || (command == MemcacheCommand.CAS && !AsciiNumbers.isUnsigned64(in, tokenStart(5), tokenEnd(5)))) {
            return error(in, command, MemcacheError.BAD_COMMAND_LINE, noreply, consumed);
        }
        if (valueLength > maxValueLength) {
            MemcacheRequest tooLarge = error(in, command, MemcacheError.OBJECT_TOO_LARGE, noreply, consumed);
            bytesToSwallow = valueLength + 2;
            return tooLarge;
        }
        pendingCommand = command;
        pendingNoreply = noreply;
        pendingLineLength = consumed;
        pendingFrameLength = consumed + (int) valueLength + 2;
        pendingKeyOffset = tokenStart(1) - start;
        pendingKeyLength = tokenLength(1);
        return completeStorage(in);
    }

    /** Returns the storage request once its data block is all in {@code in}; never rescans the block. */
    private MemcacheRequest completeStorage(ByteBuf in) {
        if (in.readableBytes() < pendingFrameLength) {
            return null;
        }
        MemcacheCommand command = pendingCommand;
        pendingCommand = null;
        int start = in.readerIndex();
        int crlf = start + pendingFrameLength - 2;
        if (in.getByte(crlf) != CR || in.getByte(crlf + 1) != LF) {
            return fatal(in, MemcacheError.BAD_DATA_CHUNK, pendingLineLength, command, pendingNoreply);
        }
        return MemcacheRequest.take(requests(), in, pendingFrameLength).init(command, null, pendingNoreply, 1,
                pendingKeyOffset, pendingKeyLength, pendingLineLength, pendingFrameLength - pendingLineLength - 2);
    }

    private MemcacheRequest delete(ByteBuf in, int start, int consumed) {
        MemcacheCommand command = MemcacheCommand.DELETE;
        if (tokenCount < 2 || tokenCount > 4) {
            return error(in, command, MemcacheError.UNKNOWN_COMMAND, false, consumed);
        }
        boolean noreply = false;
        if (tokenCount > 2) {
            // "delete <key> 0" is the legacy form; memcached 1.6 still takes it, with or without noreply.
            boolean holdIsZero = tokenLength(2) == 1 && in.getByte(tokenStart(2)) == '0';
            noreply = isNoreply(in, tokenCount - 1);
            boolean valid = tokenCount == 3 ? holdIsZero || noreply : holdIsZero && noreply;
            if (!valid) {
                return error(in, command, MemcacheError.BAD_DELETE_COMMAND_LINE, noreply, consumed);
            }
        }
        return keyed(in, command, start, consumed, noreply);
    }

    private MemcacheRequest arithmeticOrTouch(ByteBuf in, MemcacheCommand command, int start, int consumed,
            MemcacheError badArgument) {
        if (tokenCount != 3 && tokenCount != 4) {
            return error(in, command, MemcacheError.UNKNOWN_COMMAND, false, consumed);
        }
        boolean noreply = isNoreply(in, tokenCount - 1);
        if (tokenLength(1) > KEY_MAX_LENGTH) {
            return error(in, command, MemcacheError.BAD_COMMAND_LINE, noreply, consumed);
        }
        // memcached checks the key before the number, so a long key gets the generic error.
        boolean valid = command == MemcacheCommand.TOUCH
                ? AsciiNumbers.parseSigned32(in, tokenStart(2), tokenEnd(2)) != AsciiNumbers.INVALID
                : AsciiNumbers.isUnsigned64(in, tokenStart(2), tokenEnd(2));
        if (!valid) {
            return error(in, command, badArgument, noreply, consumed);
        }
        return keyed(in, command, start, consumed, noreply);
    }

    private MemcacheRequest keyed(ByteBuf in, MemcacheCommand command, int start, int consumed, boolean noreply) {
        if (tokenLength(1) > KEY_MAX_LENGTH) {
            return error(in, command, MemcacheError.BAD_COMMAND_LINE, noreply, consumed);
        }
        int keyOffset = tokenStart(1) - start;
        int keyLength = tokenLength(1);
        return MemcacheRequest.take(requests(), in, consumed).init(command, null, noreply, 1, keyOffset, keyLength, -1, -1);
    }

    private MemcacheRequest keyless(ByteBuf in, MemcacheCommand command, int start, int consumed) {
        return MemcacheRequest.take(requests(), in, consumed).init(command, null, false, 0, -1, 0, -1, -1);
    }

    private MemcacheRequest error(ByteBuf in, MemcacheCommand command, MemcacheError error, boolean noreply, int consumed) {
        return MemcacheRequest.take(requests(), in, consumed).initError(command, error, noreply);
    }

    private MemcacheRequest fatal(ByteBuf in, MemcacheError error, int frameLength) {
        return fatal(in, error, frameLength, null, false);
    }

    /** Answers, then discards everything: the stream cannot be trusted to be in step any more. */
    private MemcacheRequest fatal(ByteBuf in, MemcacheError error, int frameLength, MemcacheCommand command,
            boolean noreply) {
        MemcacheRequest request = MemcacheRequest.take(requests(), in, frameLength).initError(command, error, noreply);
        in.skipBytes(in.readableBytes());
        lineScanned = 0;
        discarding = true;
        return request;
    }

    private ThreadLocalPool.Local<MemcacheRequest> requests() {
        ThreadLocalPool.Local<MemcacheRequest> local = requests;
        if (local == null) {
            local = MemcacheRequest.localPool();
            requests = local;
        }
        return local;
    }
}
