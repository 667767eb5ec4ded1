package dev.nutjar.redis.internal;

import dev.nutjar.protocol.Split;
import dev.nutjar.redis.RedisFragmentation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** {@link RedisFragmentation} as the proxy's {@link Split}. */
final class RedisSplit implements Split {
    private final RedisFragmentation fragments;
    private final ByteBufAllocator alloc;
    private boolean released;

    /** @param alloc where the fragments' commands are built: the client connection's allocator */
    RedisSplit(RedisFragmentation fragments, ByteBufAllocator alloc) {
        this.fragments = fragments;
        this.alloc = alloc;
    }

    @Override
    public int fragmentCount() {
        return fragments.fragmentCount();
    }

    @Override
    public int server(int f) {
        return fragments.server(f);
    }

    @Override
    public ByteBuf takeRequest(int f) {
        return fragments.request(f, alloc);
    }

    @Override
    public void reply(int f, ByteBuf reply) {
        fragments.reply(f, reply);
    }

    @Override
    public void fail(int f, String reason) {
        fragments.fail(f, "ERR " + reason);
    }

    @Override
    public ByteBuf merge(ByteBufAllocator alloc) {
        released = true;
        return fragments.merge(alloc);
    }

    @Override
    public void release() {
        if (!released) {
            released = true;
            fragments.release();
        }
    }
}
