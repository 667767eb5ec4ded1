package dev.nutjar.redis.internal;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionCodec;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.redis.RedisCommand;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Redis's words for pub/sub and transactions, as Redis 7 writes them (RESP2). */
public final class RedisSessionCodec implements SessionCodec {
    public static final RedisSessionCodec INSTANCE = new RedisSessionCodec();

    private static final byte[] MESSAGE = bulk("message");
    private static final byte[] PMESSAGE = bulk("pmessage");
    private static final byte[] SMESSAGE = bulk("smessage");
    private static final byte[] PONG = bulk("pong");

    private RedisSessionCodec() {
    }

    /** The session role of a {@link RedisCommand.Kind#SESSION} command. */
    static SessionRole roleOf(RedisCommand command) {
        return switch (command) {
            case SUBSCRIBE -> SessionRole.SUBSCRIBE;
            case PSUBSCRIBE -> SessionRole.PSUBSCRIBE;
            case SSUBSCRIBE -> SessionRole.SSUBSCRIBE;
            case UNSUBSCRIBE -> SessionRole.UNSUBSCRIBE;
            case PUNSUBSCRIBE -> SessionRole.PUNSUBSCRIBE;
            case SUNSUBSCRIBE -> SessionRole.SUNSUBSCRIBE;
            case MULTI -> SessionRole.MULTI;
            case EXEC -> SessionRole.EXEC;
            case DISCARD -> SessionRole.DISCARD;
            case WATCH -> SessionRole.WATCH;
            case UNWATCH -> SessionRole.UNWATCH;
            default -> throw new IllegalArgumentException("not a session command: " + command);
        };
    }

    private static byte[] bulk(String text) {
        return ("$" + text.length() + "\r\n" + text + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] name(SessionRole role) {
        return role.name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public ByteBuf subscriptionCommand(ByteBufAllocator alloc, SessionRole role, byte[][] channels, int count) {
        byte[] name = name(role);
        ByteBuf out = alloc.buffer();
        out.writeByte('*');
        Resp.writeDecimal(out, count + 1L);
        out.writeShort(Resp.CRLF);
        Resp.writeBulk(out, name);
        for (int i = 0; i < count; i++) {
            Resp.writeBulk(out, channels[i]);
        }
        return out;
    }

    @Override
    public void writeConfirmation(ByteBuf out, SessionRole role, byte[] channel, long subscriptions) {
        out.writeBytes(new byte[] {'*', '3', '\r', '\n'});
        Resp.writeBulk(out, name(role));
        if (channel == null) {
            out.writeBytes(new byte[] {'$', '-', '1', '\r', '\n'});
        } else {
            Resp.writeBulk(out, channel);
        }
        RedisReplies.writeInteger(out, subscriptions);
    }

    @Override
    public boolean isMessage(ByteBuf in, int index, int length) {
        // *3 message, *4 pmessage, *3 smessage: the kind is the first element, after "*n\r\n".
        if (length < 4 || in.getByte(index) != '*') {
            return false;
        }
        int kind = index + 4;
        return startsWith(in, kind, index + length, MESSAGE) || startsWith(in, kind, index + length, PMESSAGE)
                || startsWith(in, kind, index + length, SMESSAGE);
    }

    private static boolean startsWith(ByteBuf in, int index, int end, byte[] prefix) {
        if (end - index < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (in.getByte(index + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public ByteBuf subscribedPing(ByteBufAllocator alloc, Request ping) {
        RedisRequest request = ((RedisProxyRequest) ping).redisRequest();
        ByteBuf out = alloc.buffer();
        out.writeBytes(new byte[] {'*', '2', '\r', '\n'});
        out.writeBytes(PONG);
        if (request.argCount() > 1) {
            Resp.writeBulk(out, request.frameSource(), request.frameIndex() + request.argOffset(1),
                    request.argLength(1));
        } else {
            out.writeBytes(new byte[] {'$', '0', '\r', '\n', '\r', '\n'});
        }
        return out;
    }

    @Override
    public ByteBuf notAllowedWhileSubscribed(ByteBufAllocator alloc, Request request) {
        RedisRequest parsed = ((RedisProxyRequest) request).redisRequest();
        String name = parsed.command() != null
                ? parsed.command().lowercaseName()
                : parsed.frameSource().toString(parsed.frameIndex() + parsed.argOffset(0), parsed.argLength(0),
                        StandardCharsets.ISO_8859_1);
        return RedisReplies.error(alloc, "ERR Can't execute '" + name
                + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
    }

    @Override
    public ByteBuf command(ByteBufAllocator alloc, SessionRole role) {
        return subscriptionCommand(alloc, role, null, 0);
    }

    @Override
    public ByteBuf reply(ByteBufAllocator alloc, Reply reply) {
        String text = switch (reply) {
            case OK -> "+OK";
            case QUEUED -> "+QUEUED";
            case EMPTY_EXEC -> "*0";
            case EXEC_ABORTED -> "-EXECABORT Transaction discarded because of previous errors.";
            case EXEC_WITHOUT_MULTI -> "-ERR EXEC without MULTI";
            case DISCARD_WITHOUT_MULTI -> "-ERR DISCARD without MULTI";
            case NESTED_MULTI -> "-ERR MULTI calls can not be nested";
            case WATCH_IN_MULTI -> "-ERR WATCH inside MULTI is not allowed";
        };
        return Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.US_ASCII);
    }
}
