package dev.nutjar.redis.internal;

import dev.nutjar.protocol.PoolView;
import dev.nutjar.protocol.Split;
import dev.nutjar.redis.RedisCommand;
import dev.nutjar.redis.RedisRequest;
import java.util.Locale;

/**
 * The commands sent to several servers of a pool: which arguments they take, which the pool must
 * enable, and how their replies merge ({@link RedisFanOut}, {@link RedisScan}).
 */
final class FanOutCommands {

    private FanOutCommands() {
    }

    /**
     * Checks what the command table's arity cannot.
     *
     * @return the error reply's text, or null when the request is acceptable
     */
    static String check(RedisRequest request) {
        int args = request.argCount();
        return switch (request.command()) {
            case FLUSHDB, FLUSHALL -> args == 1 || (args == 2 && isFlushMode(request, 1)) ? null : "ERR syntax error";
            case SCRIPT -> checkScript(request);
            default -> null;
        };
    }

    private static String checkScript(RedisRequest request) {
        String sub = ConnectionCommands.string(request, 1).toLowerCase(Locale.ROOT);
        int args = request.argCount();
        return switch (sub) {
            case "load" -> args == 3 ? null : wrongArity(sub);
            case "exists" -> args >= 3 ? null : wrongArity(sub);
            case "flush" -> args == 2 || (args == 3 && isFlushMode(request, 2)) ? null
                    : args == 3 ? "ERR SCRIPT FLUSH only support SYNC|ASYNC option" : wrongArity(sub);
            case "kill", "debug" -> "ERR nutjar does not support 'script " + sub
                    + "': it would reach every server of the pool";
            default -> "ERR unknown subcommand '" + ConnectionCommands.string(request, 1) + "'. Try SCRIPT HELP.";
        };
    }

    private static String wrongArity(String sub) {
        return "ERR wrong number of arguments for 'script|" + sub + "' command";
    }

    private static boolean isFlushMode(RedisRequest request, int arg) {
        String mode = ConnectionCommands.string(request, arg);
        return mode.equalsIgnoreCase("async") || mode.equalsIgnoreCase("sync");
    }

    /**
     * The fragments of an acceptable request ({@link #check}), for the pool it routes by.
     *
     * @param request retained by the split, not released
     */
    static Split split(RedisRequest request, PoolView pool, io.netty.buffer.ByteBufAllocator alloc) {
        RedisCommand command = request.command();
        return switch (command) {
            case SCAN -> RedisScan.of(request, pool);
            case DBSIZE -> new RedisFanOut(request, pool, RedisFanOut.Merge.SUM);
            case INFO -> new RedisFanOut(request, pool, RedisFanOut.Merge.INFO);
            case RANDOMKEY -> new RedisFanOut(request, pool, RedisFanOut.Merge.ANY);
            case KEYS -> optIn(request, pool, RedisFanOut.Merge.CONCAT, "it blocks every server while it runs;"
                    + " SCAN walks every server without blocking them");
            case FLUSHDB, FLUSHALL -> optIn(request, pool, RedisFanOut.Merge.ALL_OK, "it empties every server of"
                    + " the pool");
            case SCRIPT -> new RedisFanOut(request, pool, switch (ConnectionCommands.string(request, 1)
                    .toLowerCase(Locale.ROOT)) {
                case "load" -> RedisFanOut.Merge.SAME;
                case "exists" -> RedisFanOut.Merge.ALL_EXIST;
                default -> RedisFanOut.Merge.ALL_OK;
            });
            default -> throw new IllegalArgumentException("not a fan-out command: " + command);
        };
    }

    private static Split optIn(RedisRequest request, PoolView pool, RedisFanOut.Merge merge, String why) {
        String name = request.command().lowercaseName();
        if (pool.allows(name)) {
            return new RedisFanOut(request, pool, merge);
        }
        return RedisFanOut.answered("ERR nutjar: '" + name + "' is disabled in pool '" + pool.name() + "': " + why
                + "; enable it with the pool key allow_commands: [" + name + "]");
    }
}
