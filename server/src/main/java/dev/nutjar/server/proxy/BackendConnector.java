package dev.nutjar.server.proxy;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;

/** Opens a connection to a server of a pool, on the loop that will own it. */
@FunctionalInterface
interface BackendConnector {
    /**
     * Opens a connection to {@code server} on {@code loop}, reading with {@code readAllocator},
     * with {@code handler} at the end of its pipeline.
     */
    ChannelFuture connect(int server, EventLoop loop, RecvByteBufAllocator readAllocator, ChannelHandler handler);
}
