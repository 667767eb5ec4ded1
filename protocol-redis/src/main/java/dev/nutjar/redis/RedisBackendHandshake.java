package dev.nutjar.redis;

import dev.nutjar.redis.internal.Resp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * What the proxy sends first on every new backend connection: {@code AUTH <password>} (or
 * {@code AUTH <user> <password>}, a Redis 6 ACL user) when the server has a password, then {@code SELECT <redis_db>} when the database is not 0. Their replies
 * are not for any client and must be swallowed.
 *
 * <p>AUTH goes before SELECT. (twemproxy 0.5 sends SELECT first, which fails on a
 * password-protected server and silently leaves the pool on database 0.) Immutable and
 * thread-safe; build one per pool.
 */
public final class RedisBackendHandshake {

    private static final byte[] AUTH = "AUTH".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);

    private final byte[] bytes;
    private final int replyCount;

    private RedisBackendHandshake(byte[] bytes, int replyCount) {
        this.bytes = bytes;
        this.replyCount = replyCount;
    }

    /**
     * @param password the pool's {@code redis_auth}, or {@code null} for none; copied
     * @param database the pool's {@code redis_db}; 0 sends no SELECT
     */
    public static RedisBackendHandshake of(byte[] password, int database) {
        return of(null, password, database);
    }

    /**
     * @param username the ACL user, or {@code null} for Redis's default user; copied
     * @param password the server's password, or {@code null} for none; copied
     * @param database the pool's {@code redis_db}; 0 sends no SELECT
     */
    public static RedisBackendHandshake of(byte[] username, byte[] password, int database) {
        if (username != null && password == null) {
            throw new IllegalArgumentException("a username needs a password");
        }
        if (database < 0) {
            throw new IllegalArgumentException("database must be >= 0 (was: " + database + ")");
        }
        ByteBuf out = Unpooled.buffer();
        int replies = 0;
        try {
            if (username != null) {
                writeCommand(out, AUTH, username, password);
                replies++;
            } else if (password != null) {
                writeCommand(out, AUTH, password);
                replies++;
            }
            if (database > 0) {
                writeCommand(out, SELECT, Integer.toString(database).getBytes(StandardCharsets.US_ASCII));
                replies++;
            }
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return new RedisBackendHandshake(bytes, replies);
        } finally {
            out.release();
        }
    }

    private static void writeCommand(ByteBuf out, byte[] name, byte[]... arguments) {
        out.writeBytes(new byte[] {'*', (byte) ('1' + arguments.length), '\r', '\n'});
        Resp.writeBulk(out, name);
        for (byte[] argument : arguments) {
            Resp.writeBulk(out, argument);
        }
    }

    /** Whether there is nothing to send. */
    public boolean isEmpty() {
        return replyCount == 0;
    }

    /** How many replies to swallow before the first client request's reply. */
    public int replyCount() {
        return replyCount;
    }

    /** The number of bytes to send. */
    public int size() {
        return bytes.length;
    }

    /**
     * Appends the handshake.
     *
     * @param out written at its writer index; stays the caller's
     */
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes);
    }

    /** @return a new buffer holding the handshake, which the caller owns */
    public ByteBuf toBuffer(ByteBufAllocator alloc) {
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }
}
