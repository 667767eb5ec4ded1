package dev.nutjar.redis.internal;

import dev.nutjar.protocol.PoolView;
import dev.nutjar.protocol.Split;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * {@code SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]} across a pool: the servers are walked
 * one after the other in ring order, the {@link ScanCursor client's cursor} naming the server and
 * that server's own cursor. Each call goes to one server, with that server's cursor in place of the
 * client's and the other arguments unchanged; the reply's cursor is rewritten.
 *
 * <p>Ownership: holds a reference to the request and to the reply until {@link #merge} or
 * {@link #release}.
 */
final class RedisScan implements Split {
    private static final String INVALID_CURSOR = "ERR invalid cursor";

    private final RedisRequest request;
    private final PoolView pool;
    private final ScanCursor cursors;
    private final int server;
    private final long serverCursor;
    private ByteBuf reply;
    private String failure;
    private boolean released;

    private RedisScan(RedisRequest request, PoolView pool, ScanCursor cursors, int server, long serverCursor) {
        this.request = request.retain();
        this.pool = pool;
        this.cursors = cursors;
        this.server = server;
        this.serverCursor = serverCursor;
    }

    /** The scan step a client's cursor asks for, or the invalid cursor's error. */
    static Split of(RedisRequest request, PoolView pool) {
        ScanCursor cursors = new ScanCursor(pool.serverCount(), pool.fingerprint());
        long cursor = ScanCursor.parseUnsigned(request.frame(), request.argOffset(1), request.argLength(1));
        int server = cursor == ScanCursor.INVALID ? -1 : cursors.server(cursor);
        if (server < 0) {
            return RedisFanOut.answered(INVALID_CURSOR);
        }
        return new RedisScan(request, pool, cursors, server, cursors.serverCursor(cursor));
    }

    @Override
    public int fragmentCount() {
        return 1;
    }

    @Override
    public int server(int f) {
        return server;
    }

    @Override
    public ByteBuf takeRequest(int f) {
        ByteBuf frame = request.frame();
        String cursor = Long.toUnsignedString(serverCursor);
        ByteBuf out = frame.alloc().buffer(frame.readableBytes() + 24);
        Resp.writeArrayHeader(out, request.argCount());
        Resp.writeBulk(out, frame, request.argOffset(0), request.argLength(0));
        Resp.writeBulk(out, cursor);
        for (int i = 2; i < request.argCount(); i++) {
            Resp.writeBulk(out, frame, request.argOffset(i), request.argLength(i));
        }
        return out;
    }

    @Override
    public void reply(int f, ByteBuf reply) {
        if (released) {
            reply.release();
            return;
        }
        this.reply = reply;
    }

    @Override
    public void fail(int f, String reason) {
        failure = reason;
    }

    /** The server's reply with the client's cursor in place of the server's. */
    @Override
    public ByteBuf merge(ByteBufAllocator alloc) {
        try {
            if (failure != null) {
                return RedisReplies.error(alloc, "ERR " + failure + " (server " + pool.serverName(server) + ")");
            }
            if (RedisReplies.isError(reply)) {
                return reply.retain();
            }
            // *2\r\n$<n>\r\n<cursor>\r\n<the keys' array>
            int start = reply.readerIndex();
            int end = reply.writerIndex();
            int headerEnd = reply.indexOf(start, end, (byte) '\n');
            int bulkLineEnd = headerEnd < 0 ? -1 : reply.indexOf(headerEnd + 1, end, (byte) '\n');
            if (bulkLineEnd < 0 || reply.getByte(start) != '*' || reply.getByte(headerEnd + 1) != '$') {
                return unexpected(alloc);
            }
            long length = Resp.parseLong(reply, headerEnd + 2, bulkLineEnd - 1 - (headerEnd + 2));
            int cursorAt = bulkLineEnd + 1;
            if (length < 1 || cursorAt + length + 2 > end) {
                return unexpected(alloc);
            }
            long next = ScanCursor.parseUnsigned(reply, cursorAt, (int) length);
            if (next == ScanCursor.INVALID) {
                return unexpected(alloc);
            }
            if (!cursors.fits(next)) {
                return RedisReplies.error(alloc, "ERR nutjar: server " + pool.serverName(server) + " answered SCAN"
                        + " with cursor " + Long.toUnsignedString(next) + ", more than the " + cursors.cursorBits()
                        + " bits a pool of " + pool.serverCount() + " servers leaves it");
            }
            int keysAt = cursorAt + (int) length + 2;
            String cursor = Long.toUnsignedString(cursors.next(server, next));
            ByteBuf out = alloc.buffer(end - keysAt + 32);
            Resp.writeArrayHeader(out, 2);
            Resp.writeBulk(out, cursor);
            out.writeBytes(reply, keysAt, end - keysAt);
            return out;
        } finally {
            release();
        }
    }

    private ByteBuf unexpected(ByteBufAllocator alloc) {
        return RedisReplies.error(alloc, "ERR nutjar: unexpected SCAN reply from server " + pool.serverName(server));
    }

    @Override
    public void release() {
        if (released) {
            return;
        }
        released = true;
        if (reply != null) {
            reply.release();
            reply = null;
        }
        request.release();
    }
}
