package dev.nutjar.redis;

import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ClientConnection;
import dev.nutjar.protocol.Protocol;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.ServerCodec;
import dev.nutjar.redis.internal.RedisClientCodec;
import dev.nutjar.redis.internal.RedisServerCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The Redis protocol (RESP2) as a Nutjar {@link Protocol}: a pool with {@code redis: true}.
 * Listed in {@code META-INF/services} under the name {@code redis}.
 */
public final class RedisProtocol implements Protocol {
    public static final String NAME = "redis";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ClientCodec newClientCodec(ProtocolSettings settings) {
        return new RedisClientCodec(settings);
    }

    /** A codec that answers {@code CLIENT ID} and {@code CLIENT INFO} with {@code client}'s facts. */
    @Override
    public ClientCodec newClientCodec(ProtocolSettings settings, ClientConnection client) {
        return new RedisClientCodec(settings, client);
    }

    @Override
    public ServerCodec newServerCodec(ProtocolSettings settings) {
        return new RedisServerCodec(settings);
    }

    /** {@code -ERR <reason>}, as twemproxy answers a request its backend failed. */
    @Override
    public ByteBuf failureReply(ByteBufAllocator alloc, String reason) {
        return RedisReplies.backendFailure(alloc, reason);
    }

    /** {@link RedisCommand}'s commands, by ordinal. */
    @Override
    public java.util.List<String> commands() {
        return COMMANDS;
    }

    /** Pub/sub, transactions and blocking commands on a client's own connections. */
    @Override
    public dev.nutjar.protocol.SessionCodec sessionCodec() {
        return dev.nutjar.redis.internal.RedisSessionCodec.INSTANCE;
    }

    private static final java.util.List<String> COMMANDS = java.util.Arrays.stream(RedisCommand.values())
            .map(RedisCommand::lowercaseName)
            .toList();
}
