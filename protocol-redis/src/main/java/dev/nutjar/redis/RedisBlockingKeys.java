package dev.nutjar.redis;

import dev.nutjar.redis.internal.Resp;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Where the keys of the blocking commands are, and whether an XREAD blocks; errors in Redis's words. */
final class RedisBlockingKeys {
    private static final byte[] STREAMS = "streams".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BLOCK = "block".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COUNT = "count".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GROUP = "group".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOACK = "noack".getBytes(StandardCharsets.US_ASCII);

    private RedisBlockingKeys() {
    }

    /**
     * Records the keys of {@code request}, a command of a blocking key layout, and whether it blocks.
     *
     * @return the error text when the arguments are wrong, else null
     */
    static String locate(RedisRequest request, RedisCommand command) {
        int args = request.argCount();
        switch (command.keyLayout()) {
            case ALL_BUT_LAST -> request.keys(1, 1, args - 2);
            case FIRST_TWO -> request.keys(1, 1, 2);
            case NUMKEYS_SECOND -> {
                long numKeys = Resp.parseLong(request.frame(), request.argOffset(2), request.argLength(2));
                if (numKeys == Resp.NOT_A_NUMBER || numKeys <= 0) {
                    return "ERR numkeys should be greater than 0";
                }
                if (numKeys > args - 4) {
                    return "ERR syntax error";
                }
                request.keys(3, 1, (int) numKeys);
            }
            case STREAMS -> {
                return streams(request, command);
            }
            default -> throw new AssertionError(command.keyLayout());
        }
        request.blocks(true);
        return null;
    }

    /** {@code XREAD [COUNT n] [BLOCK ms] STREAMS key... id...}, XREADGROUP with {@code GROUP g c} and {@code NOACK}. */
    private static String streams(RedisRequest request, RedisCommand command) {
        int args = request.argCount();
        boolean blocks = false;
        int i = 1;
        while (i < args && !argIs(request, i, STREAMS)) {
            if (argIs(request, i, BLOCK)) {
                blocks = true;
                i += 2;
            } else if (argIs(request, i, COUNT)) {
                i += 2;
            } else if (argIs(request, i, GROUP) && command == RedisCommand.XREADGROUP) {
                i += 3;
            } else if (argIs(request, i, NOACK) && command == RedisCommand.XREADGROUP) {
                i += 1;
            } else {
                return "ERR syntax error";
            }
        }
        int rest = args - i - 1;
        if (i >= args || rest <= 0 || (rest & 1) != 0) {
            return "ERR Unbalanced '" + command.lowercaseName()
                    + "' list of streams: for each stream key an ID or '$' must be specified.";
        }
        request.keys(i + 1, 1, rest / 2);
        request.blocks(blocks);
        return null;
    }

    private static boolean argIs(RedisRequest request, int index, byte[] lowercase) {
        if (request.argLength(index) != lowercase.length) {
            return false;
        }
        ByteBuf frame = request.frame();
        int offset = request.argOffset(index);
        for (int i = 0; i < lowercase.length; i++) {
            if ((frame.getByte(frame.readerIndex() + offset + i) | 0x20) != lowercase[i]) {
                return false;
            }
        }
        return true;
    }
}
