package dev.nutjar.memcache.internal;

import dev.nutjar.memcache.MemcacheCommand;
import dev.nutjar.memcache.MemcacheProtocolException;
import dev.nutjar.memcache.MemcacheReplyParser;
import dev.nutjar.protocol.Frames;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.ServerCodec;
import io.netty.buffer.ByteBuf;

/**
 * One memcached connection's replies. memcached has no handshake, and its error replies never
 * count as server failures (as in twemproxy).
 */
public final class MemcacheServerCodec implements ServerCodec {
    private static final MemcacheCommand[] COMMANDS = MemcacheCommand.values();

    private final MemcacheReplyParser parser = new MemcacheReplyParser();

    @Override
    public ByteBuf decode(ByteBuf in, int replyKind) {
        int length = replyLength(in, replyKind);
        return length < 0 ? null : Frames.takeRetained(in, length);
    }

    @Override
    public int replyLength(ByteBuf in, int replyKind) {
        try {
            return parser.parseLength(in, COMMANDS[replyKind]);
        } catch (MemcacheProtocolException e) {
            throw new ProtocolException(e.getMessage(), null);
        }
    }

    @Override
    public int streamableLength(ByteBuf in, int replyKind, int minLength) {
        return parser.streamablePart(in, COMMANDS[replyKind], minLength);
    }

    @Override
    public boolean isServerFailure(ByteBuf reply) {
        return false;
    }

    @Override
    public boolean isServerFailure(ByteBuf in, int index, int length) {
        return false;
    }
}
