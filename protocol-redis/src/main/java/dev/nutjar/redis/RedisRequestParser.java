package dev.nutjar.redis;

import dev.nutjar.protocol.ThreadLocalPool;
import dev.nutjar.redis.internal.InlineCommand;
import dev.nutjar.redis.internal.Resp;
import dev.nutjar.redis.internal.LengthLine;
import io.netty.buffer.ByteBuf;

/**
 * Parses client requests: RESP arrays of bulk strings ({@code *<n>\r\n$<len>\r\n<bytes>\r\n...}).
 *
 * <p>One parser per client connection; not thread-safe. It is resumable: when a request is
 * incomplete it remembers how far it got, so a large value arriving in many reads is not scanned
 * again each time. Between calls the caller may append bytes to the input and may move its
 * readable bytes (as a cumulator does), but must not consume or change them.
 *
 * <p>A request that is valid RESP but not acceptable (unknown command, wrong number of arguments,
 * key too long, a script without keys, ...) is returned with {@link RedisRequest#error()} set:
 * it was consumed whole and the connection stays usable. Bytes that are not valid RESP raise
 * {@link RedisProtocolException}, after which the connection must be closed.
 *
 * <p>Every length is checked digit by digit against its bound before anything is stored, so a
 * header such as {@code *99999999999} fails at once (Redis waits for 64 KB without CRLF before
 * saying {@code too big mbulk count string}; here no header line can get that long).
 *
 * <p>Inline commands ({@code SET k "a b"\r\n}, what telnet sends) are accepted as Redis accepts
 * them, unlike twemproxy: the line is split as Redis splits it, and the request's frame is the RESP
 * array a client would have sent, copied. Blank lines are skipped (consumed even when no request
 * follows yet), as {@code redis-cli --pipe} needs.
 */
public final class RedisRequestParser {

    /** The default for the largest number of arguments in one request. */
    public static final int DEFAULT_MAX_ARGUMENTS = 1 << 20;
    /**
     * The default longest key: twemproxy's limit with its default {@code -m 16384} (the mbuf data
     * size minus one).
     */
    public static final int DEFAULT_MAX_KEY_LENGTH = 16_335;
    /** The largest bulk string, Redis's default {@code proto-max-bulk-len}. */
    public static final int MAX_BULK_LENGTH = 512 * 1024 * 1024;

    /** Redis's {@code PROTO_INLINE_MAX_SIZE}: the longest inline command line. */
    static final int MAX_INLINE_LENGTH = 64 * 1024;
    private static final String INVALID_MULTIBULK_LENGTH = "invalid multibulk length";
    private static final String INVALID_BULK_LENGTH = "invalid bulk length";

    private final int maxArguments;
    private final int maxKeyLength;

    // Progress through the request that starts at the input's reader index.
    private RedisRequest pending;
    private int argsExpected;
    /** Bytes of the pending request already parsed, from the input's reader index. */
    private int scanned;
    /** The length of the bulk whose body is awaited, or -1 when a bulk header is next. */
    private int bulkLength = -1;
    private final LengthLine lengthLine = new LengthLine();
    /** The command of the last request: a pipelining client usually repeats it, found without the table. */
    private RedisCommand lastCommand;
    /** Spare requests of the thread that parses; taken on the first request. */
    private ThreadLocalPool.Local<RedisRequest> requests;

    /** A parser with {@link #DEFAULT_MAX_ARGUMENTS} and {@link #DEFAULT_MAX_KEY_LENGTH}. */
    public RedisRequestParser() {
        this(DEFAULT_MAX_ARGUMENTS, DEFAULT_MAX_KEY_LENGTH);
    }

    /**
     * @param maxArguments the most arguments (command name included) a request may have; more is a
     *     protocol error, detected from the array header before anything is stored
     * @param maxKeyLength the longest key, in bytes; a longer key gets an error reply
     */
    public RedisRequestParser(int maxArguments, int maxKeyLength) {
        if (maxArguments < 1) {
            throw new IllegalArgumentException("maxArguments must be >= 1 (was: " + maxArguments + ")");
        }
        if (maxKeyLength < 0) {
            throw new IllegalArgumentException("maxKeyLength must be >= 0 (was: " + maxKeyLength + ")");
        }
        this.maxArguments = maxArguments;
        this.maxKeyLength = maxKeyLength;
    }

    /**
     * Parses the next request from {@code in}.
     *
     * @param in the client's input, read from its reader index. Not released. When a request is
     *     returned, its bytes have been consumed (the reader index moved past them); otherwise the
     *     reader index is unchanged, but for blank lines, which are consumed
     * @return a complete request, which the caller owns and must release; or {@code null} when
     *     more bytes are needed
     * @throws RedisProtocolException if the input is not a valid request; the parser is reset and
     *     the input left as it was
     */
    public RedisRequest parse(ByteBuf in) {
        int start = in.readerIndex();
        try {
            return parseRequest(in);
        } catch (RedisProtocolException e) {
            reset();
            in.readerIndex(start);
            throw e;
        }
    }

    /** Forgets any partly parsed request, so the parser can start on a fresh input. */
    public void reset() {
        if (pending != null) {
            pending.discardUnpublished();
            pending = null;
        }
        argsExpected = 0;
        scanned = 0;
        bulkLength = -1;
    }

    private RedisRequest parseRequest(ByteBuf in) {
        final int base = in.readerIndex();
        final int readable = in.readableBytes();
        if (pending == null) {
            if (readable == 0) {
                return null;
            }
            if (in.getByte(base) != '*') {
                return parseInline(in);
            }
            int count = lengthLine.parse(in, base, 0, readable, maxArguments, false, INVALID_MULTIBULK_LENGTH);
            if (count == LengthLine.NEED_MORE) {
                return null;
            }
            if (count == 0) {
                // Redis ignores "*0"; twemproxy closes. Nothing useful can follow, so: an error.
                throw new RedisProtocolException(INVALID_MULTIBULK_LENGTH);
            }
            if (requests == null) {
                requests = RedisRequest.localPool();
            }
            pending = RedisRequest.newInstance(requests);
            argsExpected = count;
            scanned = lengthLine.end();
        }
        RedisRequest request = pending;
        int pos = scanned;
        while (request.argCount() < argsExpected) {
            int length = bulkLength;
            if (length < 0) {
                if (pos >= readable) {
                    scanned = pos;
                    return null;
                }
                byte type = in.getByte(base + pos);
                if (type != '$') {
                    throw new RedisProtocolException("expected '$', got '" + (char) (type & 0xFF) + "'");
                }
                length = lengthLine.parse(in, base, pos, readable, MAX_BULK_LENGTH, false, INVALID_BULK_LENGTH);
                if (length == LengthLine.NEED_MORE) {
                    scanned = pos;
                    return null;
                }
                pos = lengthLine.end();
            }
            long end = (long) pos + length + 2;
            if (end > readable) {
                if (end > Integer.MAX_VALUE) {
                    throw new RedisProtocolException("request too large");
                }
                scanned = pos;
                bulkLength = length;
                return null;
            }
            if (in.getShort(base + pos + length) != Resp.CRLF) {
                throw new RedisProtocolException("bulk not terminated by CRLF");
            }
            request.addArg(pos, length);
            pos = (int) end;
            bulkLength = -1;
        }
        pending = null;
        argsExpected = 0;
        scanned = 0;
        request.frame(in.retain(), base, pos);
        in.readerIndex(base + pos);
        classify(request, in, base);
        return request;
    }

    /** Skips blank lines; parses the next inline command, or the RESP request after the blank lines. */
    private RedisRequest parseInline(ByteBuf in) {
        while (true) {
            int base = in.readerIndex();
            int readable = in.readableBytes();
            if (readable == 0) {
                return null;
            }
            if (in.getByte(base) == '*') {
                return parseRequest(in);
            }
            int newline = in.indexOf(base, base + Math.min(readable, MAX_INLINE_LENGTH + 1), (byte) '\n');
            if (newline < 0) {
                if (readable > MAX_INLINE_LENGTH) {
                    throw new RedisProtocolException("too big inline request");
                }
                return null;
            }
            int lineEnd = newline > base && in.getByte(newline - 1) == '\r' ? newline - 1 : newline;
            java.util.List<byte[]> args = InlineCommand.split(in, base, lineEnd - base);
            if (args == null) {
                throw new RedisProtocolException("unbalanced quotes in request");
            }
            if (args.isEmpty()) {
                in.readerIndex(newline + 1);
                continue;
            }
            if (args.size() > maxArguments) {
                throw new RedisProtocolException(INVALID_MULTIBULK_LENGTH);
            }
            ByteBuf resp = in.alloc().buffer(lineEnd - base + 16 * args.size() + 16);
            try {
                InlineCommand.writeResp(resp, args);
                RedisRequest request = parseRequest(resp);
                in.readerIndex(newline + 1);
                return request;
            } finally {
                resp.release();
            }
        }
    }

    /** Looks the command up, checks what RESP cannot, and records where the keys are. */
    private void classify(RedisRequest request, ByteBuf in, int base) {
        int nameIndex = base + request.argOffset(0);
        int nameLength = request.argLength(0);
        RedisCommand command = lastCommand;
        if (command == null || !command.nameEqualsIgnoreCase(in, nameIndex, nameLength)) {
            command = RedisCommand.lookup(in, nameIndex, nameLength);
            lastCommand = command;
        }
        request.command(command);
        if (command == null) {
            request.error(unknownCommandError(request, request.frame()));
            return;
        }
        int argCount = request.argCount();
        if (!command.acceptsArgCount(argCount)) {
            request.error("ERR wrong number of arguments for '" + command.lowercaseName() + "' command");
            return;
        }
        switch (command.keyLayout()) {
            case NONE:
                if (command.kind() == RedisCommand.Kind.REJECTED) {
                    request.error("ERR '" + command.lowercaseName()
                            + "' is not supported by nutjar: a proxy serves one database");
                    return;
                }
                break;
            case FIRST:
                request.keys(1, 1, 1);
                break;
            case ALL:
                request.keys(1, 1, argCount - 1);
                break;
            case PAIRS:
                request.keys(1, 2, (argCount - 1) / 2);
                break;
            case SCRIPT:
                String error = scriptKeys(request, request.frame(), command);
                if (error != null) {
                    request.error(error);
                    return;
                }
                break;
            case ALL_BUT_LAST:
            case FIRST_TWO:
            case NUMKEYS_SECOND:
            case STREAMS:
                String blockingError = RedisBlockingKeys.locate(request, command);
                if (blockingError != null) {
                    request.error(blockingError);
                    return;
                }
                break;
            default:
                throw new AssertionError(command.keyLayout());
        }
        for (int i = 0, keys = request.keyCount(); i < keys; i++) {
            int length = request.keyLength(i);
            if (length > maxKeyLength) {
                request.error("ERR nutjar: key of " + length + " bytes exceeds the maximum key length of "
                        + maxKeyLength);
                return;
            }
        }
    }

    /** Reads EVAL's numkeys: Redis's checks and texts, then twemproxy's rule that it be >= 1. */
    private static String scriptKeys(RedisRequest request, ByteBuf frame, RedisCommand command) {
        long numKeys = Resp.parseLong(frame, request.argOffset(2), request.argLength(2));
        if (numKeys == Resp.NOT_A_NUMBER) {
            return "ERR value is not an integer or out of range";
        }
        if (numKeys > request.argCount() - 3) {
            return "ERR Number of keys can't be greater than number of args";
        }
        if (numKeys < 0) {
            return "ERR Number of keys can't be negative";
        }
        if (numKeys == 0) {
            return "ERR nutjar cannot route '" + command.lowercaseName()
                    + "' without keys: numkeys must be at least 1";
        }
        request.keys(3, 1, (int) numKeys);
        return null;
    }

    /**
     * Redis 7's text: {@code unknown command '<name>', with args beginning with: '<a>' '<b>' },
     * with the name and the arguments cut to 128 characters each as Redis does.
     */
    private static String unknownCommandError(RedisRequest request, ByteBuf frame) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < request.argCount() && args.length() < 128; i++) {
            int room = 128 - args.length();
            args.append('\'');
            Resp.appendCString(args, frame, request.argOffset(i), request.argLength(i), room);
            args.append("' ");
        }
        StringBuilder text = new StringBuilder(64 + args.length()).append("ERR unknown command '");
        Resp.appendCString(text, frame, request.argOffset(0), request.argLength(0), 128);
        text.append("', with args beginning with: ").append(args);
        return Resp.sanitizeErrorText(text.toString());
    }
}
