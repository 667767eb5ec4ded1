package dev.nutjar.redis.internal;

import dev.nutjar.protocol.Frames;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.ServerCodec;
import dev.nutjar.redis.RedisBackendHandshake;
import dev.nutjar.redis.RedisProtocolException;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisReplyParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** One backend connection's replies, and the AUTH then SELECT it starts with. */
public final class RedisServerCodec implements ServerCodec {
    private final RedisReplyParser parser = new RedisReplyParser();
    private final RedisBackendHandshake handshake;

    public RedisServerCodec(ProtocolSettings settings) {
        this.handshake = RedisBackendHandshake.of(bytes(settings.serverUsername()), bytes(settings.serverPassword()),
                settings.database());
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public ByteBuf handshake(ByteBufAllocator alloc) {
        return handshake.isEmpty() ? null : handshake.toBuffer(alloc);
    }

    @Override
    public int handshakeReplies() {
        return handshake.replyCount();
    }

    @Override
    public ByteBuf decode(ByteBuf in, int replyKind) {
        int length = replyLength(in, replyKind);
        return length < 0 ? null : Frames.takeRetained(in, length);
    }

    @Override
    public int replyLength(ByteBuf in, int replyKind) {
        try {
            return parser.parseLength(in);
        } catch (RedisProtocolException e) {
            throw new ProtocolException(e.getMessage(), null);
        }
    }

    @Override
    public int streamableLength(ByteBuf in, int replyKind, int minLength) {
        return parser.streamablePart(in, minLength);
    }

    @Override
    public boolean isServerFailure(ByteBuf reply) {
        return RedisReplies.isTransientFailure(reply);
    }

    @Override
    public boolean isServerFailure(ByteBuf in, int index, int length) {
        return RedisReplies.isTransientFailure(in, index, index + length);
    }

    @Override
    public String handshakeError(ByteBuf reply) {
        if (!RedisReplies.isError(reply)) {
            return null;
        }
        return reply.toString(reply.readerIndex() + 1, Math.max(0, reply.readableBytes() - 3), StandardCharsets.UTF_8);
    }
}
