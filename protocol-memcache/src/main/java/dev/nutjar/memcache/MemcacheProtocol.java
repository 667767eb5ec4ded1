package dev.nutjar.memcache;

import dev.nutjar.memcache.internal.MemcacheClientCodec;
import dev.nutjar.memcache.internal.MemcacheServerCodec;
import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.Protocol;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.ServerCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * memcached's ASCII protocol as a Nutjar {@link Protocol}: a pool without {@code redis: true}.
 * Listed in {@code META-INF/services} under the name {@code memcache}.
 */
public final class MemcacheProtocol implements Protocol {
    public static final String NAME = "memcache";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ClientCodec newClientCodec(ProtocolSettings settings) {
        return new MemcacheClientCodec(settings);
    }

    @Override
    public ServerCodec newServerCodec(ProtocolSettings settings) {
        return new MemcacheServerCodec();
    }

    /** {@code SERVER_ERROR <reason>}, as twemproxy answers a request its backend failed. */
    @Override
    public ByteBuf failureReply(ByteBufAllocator alloc, String reason) {
        return MemcacheReplies.serverError(reason);
    }

    /** {@link MemcacheCommand}'s commands, by ordinal. */
    @Override
    public java.util.List<String> commands() {
        return COMMANDS;
    }

    private static final java.util.List<String> COMMANDS = java.util.Arrays.stream(MemcacheCommand.values())
            .map(MemcacheCommand::wireName)
            .toList();
}
