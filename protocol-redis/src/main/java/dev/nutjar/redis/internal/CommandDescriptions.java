package dev.nutjar.redis.internal;

import dev.nutjar.redis.RedisCommand;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisRequest;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code COMMAND}, {@code COMMAND COUNT|LIST|INFO|DOCS}: what the proxy accepts, in Redis 7's reply
 * shapes, rather than what one backend would accept.
 */
final class CommandDescriptions {
    /** Every command the proxy takes: the table without the ones it knows only to refuse. */
    static final List<RedisCommand> ACCEPTED = Arrays.stream(RedisCommand.values())
            .filter(c -> c.kind() != RedisCommand.Kind.REJECTED)
            .toList();

    private CommandDescriptions() {
    }

    /** Writes the reply to {@code request}, a COMMAND request. */
    static void answer(RedisRequest request, ByteBuf out) {
        if (request.argCount() == 1) {
            Resp.writeArrayHeader(out, ACCEPTED.size());
            ACCEPTED.forEach(c -> writeInfo(out, c));
            return;
        }
        String sub = ConnectionCommands.string(request, 1).toLowerCase(Locale.ROOT);
        int names = request.argCount() - 2;
        switch (sub) {
            case "count" -> RedisReplies.writeInteger(out, ACCEPTED.size());
            case "list" -> {
                Resp.writeArrayHeader(out, ACCEPTED.size());
                ACCEPTED.forEach(c -> Resp.writeBulk(out, c.lowercaseName()));
            }
            case "info" -> {
                if (names == 0) {
                    Resp.writeArrayHeader(out, ACCEPTED.size());
                    ACCEPTED.forEach(c -> writeInfo(out, c));
                    return;
                }
                Resp.writeArrayHeader(out, names);
                for (int i = 2; i < request.argCount(); i++) {
                    RedisCommand command = accepted(ConnectionCommands.string(request, i));
                    if (command == null) {
                        Resp.writeNullBulk(out);
                    } else {
                        writeInfo(out, command);
                    }
                }
            }
            case "docs" -> {
                List<RedisCommand> asked = ACCEPTED;
                if (names > 0) {
                    asked = new java.util.ArrayList<>();
                    for (int i = 2; i < request.argCount(); i++) {
                        RedisCommand command = accepted(ConnectionCommands.string(request, i));
                        if (command != null) {
                            asked.add(command);
                        }
                    }
                }
                Resp.writeArrayHeader(out, 2 * asked.size());
                asked.forEach(c -> writeDocs(out, c));
            }
            default -> RedisReplies.writeError(out, "ERR unknown subcommand '" + ConnectionCommands.string(request, 1)
                    + "'. Try COMMAND HELP.");
        }
    }

    private static RedisCommand accepted(String name) {
        RedisCommand command = RedisCommand.lookup(name);
        return command == null || command.kind() == RedisCommand.Kind.REJECTED ? null : command;
    }

    /** Redis 7's ten fields: name, arity, flags, first key, last key, step, ACL categories, tips, key specs, subcommands. */
    private static void writeInfo(ByteBuf out, RedisCommand command) {
        Resp.writeArrayHeader(out, 10);
        Resp.writeBulk(out, command.lowercaseName());
        RedisReplies.writeInteger(out, command.arity());
        boolean movable = switch (command.keyLayout()) {
            case SCRIPT, NUMKEYS_SECOND, STREAMS -> true;
            default -> false;
        };
        Resp.writeArrayHeader(out, movable ? 1 : 0);
        if (movable) {
            out.writeCharSequence("+movablekeys\r\n", java.nio.charset.StandardCharsets.US_ASCII);
        }
        int[] keys = switch (command.keyLayout()) {
            case FIRST -> new int[] {1, 1, 1};
            case ALL -> new int[] {1, -1, 1};
            case PAIRS -> new int[] {1, -1, 2};
            case ALL_BUT_LAST -> new int[] {1, -2, 1};
            case FIRST_TWO -> new int[] {1, 2, 1};
            case NONE, SCRIPT, NUMKEYS_SECOND, STREAMS -> new int[] {0, 0, 0};
        };
        for (int k : keys) {
            RedisReplies.writeInteger(out, k);
        }
        for (int empty = 0; empty < 4; empty++) {
            Resp.writeArrayHeader(out, 0);
        }
    }

    private static void writeDocs(ByteBuf out, RedisCommand command) {
        Resp.writeBulk(out, command.lowercaseName());
        Resp.writeArrayHeader(out, 6);
        Resp.writeBulk(out, "summary");
        Resp.writeBulk(out, summary(command));
        Resp.writeBulk(out, "since");
        Resp.writeBulk(out, "1.0.0");
        Resp.writeBulk(out, "group");
        Resp.writeBulk(out, "generic");
    }

    /** How the proxy handles the command, in a phrase. */
    static String summary(RedisCommand command) {
        return switch (command.kind()) {
            case LOCAL -> "answered by nutjar";
            case PLACEHOLDER -> "forwarded to the server of the key 'placeholder', as twemproxy does";
            case SINGLE_KEY -> "forwarded to the server of its first key";
            case FRAGMENTED -> "split per server, the replies merged";
            case SAME_SERVER -> "forwarded when every key lives on one server";
            case EVERY_SERVER -> "sent to every server of the pool, the replies merged";
            case SERVER_BY_SERVER -> "walks the pool's servers in ring order; the cursor names the server";
            case SESSION -> "run on a connection of the client's own (pub/sub, transactions)";
            case BLOCKING -> "run on a connection of the client's own while it blocks";
            default -> "refused by nutjar";
        };
    }
}
