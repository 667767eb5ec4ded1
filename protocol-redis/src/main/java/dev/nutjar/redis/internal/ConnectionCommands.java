package dev.nutjar.redis.internal;

import dev.nutjar.protocol.ClientConnection;
import dev.nutjar.redis.RedisAuth;
import dev.nutjar.redis.RedisCommand;
import dev.nutjar.redis.RedisLocalReply;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * The connection commands the proxy answers for one client, and that client's state: whether it
 * has authenticated, its name and library ({@code CLIENT SETNAME}, {@code CLIENT SETINFO}). Texts
 * are Redis 7's. Not thread-safe: it lives with its client's codec.
 */
final class ConnectionCommands {
    /**
     * The Redis version {@code HELLO} reports: the one whose commands Nutjar's table follows. A
     * client parses it as a Redis version, so it is one.
     */
    static final String REDIS_VERSION = "7.0.0";

    private static final String NOPROTO = "NOPROTO unsupported protocol version";
    private static final String HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated,"
            + " otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and"
            + " select the RESP protocol version at the same time";
    private static final String BAD_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";

    private final ClientConnection connection;
    private final RedisAuth auth;
    private final int database;
    private final long openedNanos = System.nanoTime();
    private boolean authenticated;
    private String name = "";
    private String libraryName = "";
    private String libraryVersion = "";

    ConnectionCommands(ClientConnection connection, RedisAuth auth, int database) {
        this.connection = connection;
        this.auth = auth;
        this.database = database;
    }

    boolean authenticated() {
        return authenticated;
    }

    /** {@code AUTH password}: the reply, and the client's state after it. */
    RedisLocalReply authenticate(RedisRequest request) {
        RedisLocalReply reply = auth.authenticate(request);
        authenticated = reply == RedisLocalReply.OK;
        return reply;
    }

    /**
     * The reply to a connection command other than PING without a message, QUIT and AUTH.
     *
     * @param request an acceptable request of a {@link RedisCommand.Kind#LOCAL} command; not released
     * @return a new buffer the caller owns
     */
    ByteBuf answer(RedisRequest request, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        try {
            switch (request.command()) {
                case PING -> ping(request, out);
                case ECHO -> Resp.writeBulk(out, bytes(request, 1));
                case HELLO -> hello(request, out);
                case CLIENT -> client(request, out);
                case SELECT -> select(request, out);
                case TIME -> time(out);
                case COMMAND -> CommandDescriptions.answer(request, out);
                default -> RedisReplies.writeError(out, "ERR unknown command '" + request.command().lowercaseName() + "'");
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    private static void ping(RedisRequest request, ByteBuf out) {
        if (request.argCount() > 2) {
            RedisReplies.writeError(out, "ERR wrong number of arguments for 'ping' command");
        } else if (request.argCount() == 2) {
            Resp.writeBulk(out, bytes(request, 1));
        } else {
            RedisLocalReply.PONG.writeTo(out);
        }
    }

    private void hello(RedisRequest request, ByteBuf out) {
        int args = request.argCount();
        if (args >= 2) {
            long version = Resp.parseLong(request.frame(), request.argOffset(1), request.argLength(1));
            if (version == Resp.NOT_A_NUMBER) {
                RedisReplies.writeError(out, "ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version != 2) {
                // RESP3 is not spoken (yet): a client falls back to RESP2 on this error.
                RedisReplies.writeError(out, NOPROTO);
                return;
            }
        }
        String user = null;
        byte[] password = null;
        String newName = null;
        for (int i = 2; i < args; i++) {
            String option = string(request, i).toUpperCase(Locale.ROOT);
            if (option.equals("AUTH") && i + 2 < args) {
                user = string(request, i + 1);
                password = bytes(request, i + 2);
                i += 2;
            } else if (option.equals("SETNAME") && i + 1 < args) {
                newName = string(request, i + 1);
                i += 1;
            } else {
                RedisReplies.writeError(out, "ERR Syntax error in HELLO option '" + string(request, i) + "'");
                return;
            }
        }
        if (user != null) {
            if (!auth.accepts(user, password)) {
                RedisLocalReply.WRONGPASS.writeTo(out);
                return;
            }
            authenticated = true;
        }
        if (auth.isRequired() && !authenticated) {
            RedisReplies.writeError(out, HELLO_NOAUTH);
            return;
        }
        if (newName != null) {
            if (!validName(newName)) {
                RedisReplies.writeError(out, BAD_NAME);
                return;
            }
            name = newName;
        }
        Resp.writeArrayHeader(out, 14);
        Resp.writeBulk(out, "server");
        Resp.writeBulk(out, "nutjar");
        Resp.writeBulk(out, "version");
        Resp.writeBulk(out, REDIS_VERSION);
        Resp.writeBulk(out, "proto");
        RedisReplies.writeInteger(out, 2);
        Resp.writeBulk(out, "id");
        RedisReplies.writeInteger(out, connection.id());
        Resp.writeBulk(out, "mode");
        Resp.writeBulk(out, "proxy");
        Resp.writeBulk(out, "role");
        Resp.writeBulk(out, "master");
        Resp.writeBulk(out, "modules");
        Resp.writeArrayHeader(out, 0);
    }

    private void client(RedisRequest request, ByteBuf out) {
        String sub = string(request, 1).toLowerCase(Locale.ROOT);
        int args = request.argCount();
        switch (sub) {
            case "id" -> {
                if (arity(out, sub, args == 2)) {
                    RedisReplies.writeInteger(out, connection.id());
                }
            }
            case "getname" -> {
                if (arity(out, sub, args == 2)) {
                    if (name.isEmpty()) {
                        Resp.writeNullBulk(out);
                    } else {
                        Resp.writeBulk(out, name);
                    }
                }
            }
            case "setname" -> {
                if (arity(out, sub, args == 3)) {
                    String newName = string(request, 2);
                    if (validName(newName)) {
                        name = newName;
                        RedisLocalReply.OK.writeTo(out);
                    } else {
                        RedisReplies.writeError(out, BAD_NAME);
                    }
                }
            }
            case "setinfo" -> {
                if (arity(out, sub, args == 4)) {
                    setInfo(string(request, 2), string(request, 3), out);
                }
            }
            case "info" -> {
                if (arity(out, sub, args == 2)) {
                    Resp.writeBulk(out, info());
                }
            }
            case "list", "kill", "pause", "unpause", "tracking", "trackinginfo", "getredir", "caching",
                    "reply", "no-evict", "no-touch", "unblock" -> RedisReplies.writeError(out, "ERR nutjar does not"
                    + " support 'client " + sub + "': the proxy's clients are not a Redis server's clients");
            default -> RedisReplies.writeError(out, "ERR unknown subcommand '" + string(request, 1)
                    + "'. Try CLIENT HELP.");
        }
    }

    private void setInfo(String attribute, String value, ByteBuf out) {
        if (!validName(value)) {
            RedisReplies.writeError(out, "ERR " + attribute + " cannot contain spaces, newlines or special characters.");
            return;
        }
        switch (attribute.toLowerCase(Locale.ROOT)) {
            case "lib-name" -> libraryName = value;
            case "lib-ver" -> libraryVersion = value;
            default -> {
                RedisReplies.writeError(out, "ERR Unrecognized option '" + attribute + "'");
                return;
            }
        }
        RedisLocalReply.OK.writeTo(out);
    }

    /** One line as Redis's CLIENT INFO, with the fields a proxy knows. */
    private String info() {
        long age = (System.nanoTime() - openedNanos) / 1_000_000_000L;
        return "id=" + connection.id() + " addr=" + connection.address() + " laddr=" + connection.localAddress()
                + " name=" + name + " age=" + age + " flags=N db=" + database + " sub=0 psub=0 multi=-1"
                + " cmd=client|info user=default resp=2 lib-name=" + libraryName + " lib-ver=" + libraryVersion
                + "\n";
    }

    private void select(RedisRequest request, ByteBuf out) {
        long db = Resp.parseLong(request.frame(), request.argOffset(1), request.argLength(1));
        if (db == Resp.NOT_A_NUMBER || db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
            RedisReplies.writeError(out, "ERR value is not an integer or out of range");
        } else if (db != database) {
            RedisReplies.writeError(out, "ERR nutjar serves database " + database + " of this pool (redis_db);"
                    + " SELECT " + db + " is refused");
        } else {
            RedisLocalReply.OK.writeTo(out);
        }
    }

    private static void time(ByteBuf out) {
        Instant now = Instant.now();
        Resp.writeArrayHeader(out, 2);
        Resp.writeBulk(out, Long.toString(now.getEpochSecond()));
        Resp.writeBulk(out, Long.toString(now.getNano() / 1000));
    }

    /** Whether the subcommand got its count of arguments; else its error is written. */
    private static boolean arity(ByteBuf out, String sub, boolean ok) {
        if (!ok) {
            RedisReplies.writeError(out, "ERR wrong number of arguments for 'client|" + sub + "' command");
        }
        return ok;
    }

    /** Redis's rule for client names: printable ASCII without spaces. */
    private static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    static byte[] bytes(RedisRequest request, int arg) {
        byte[] bytes = new byte[request.argLength(arg)];
        request.frame().getBytes(request.argOffset(arg), bytes);
        return bytes;
    }

    static String string(RedisRequest request, int arg) {
        return new String(bytes(request, arg), StandardCharsets.ISO_8859_1);
    }
}
