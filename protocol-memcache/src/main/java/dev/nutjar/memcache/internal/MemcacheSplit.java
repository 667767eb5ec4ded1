package dev.nutjar.memcache.internal;

import dev.nutjar.memcache.MemcacheCommand;
import dev.nutjar.memcache.MemcacheMultiGet;
import dev.nutjar.protocol.Split;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** {@link MemcacheMultiGet} as the proxy's {@link Split}. */
final class MemcacheSplit implements Split {
    private final MemcacheMultiGet multiGet;
    private final MemcacheCommand command;
    private boolean released;

    MemcacheSplit(MemcacheMultiGet multiGet, MemcacheCommand command) {
        this.multiGet = multiGet;
        this.command = command;
    }

    @Override
    public int fragmentCount() {
        return multiGet.fragmentCount();
    }

    @Override
    public int server(int f) {
        return multiGet.fragmentServer(f);
    }

    @Override
    public ByteBuf takeRequest(int f) {
        return multiGet.fragment(f).frame().retainedDuplicate();
    }

    @Override
    public int replyKind() {
        return command.ordinal();
    }

    @Override
    public void reply(int f, ByteBuf reply) {
        multiGet.onReply(f, reply);
    }

    @Override
    public void fail(int f, String reason) {
        multiGet.onFailure(f, reason);
    }

    @Override
    public ByteBuf merge(ByteBufAllocator alloc) {
        ByteBuf merged = multiGet.merge(alloc);
        release();
        return merged;
    }

    @Override
    public void release() {
        if (!released) {
            released = true;
            multiGet.release();
        }
    }
}
