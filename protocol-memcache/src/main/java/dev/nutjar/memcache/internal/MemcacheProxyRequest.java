package dev.nutjar.memcache.internal;

import dev.nutjar.memcache.MemcacheCommand;
import dev.nutjar.memcache.MemcacheMultiGet;
import dev.nutjar.memcache.MemcacheRequest;
import dev.nutjar.protocol.AbstractFramedRequest;
import dev.nutjar.protocol.Split;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A parsed {@link MemcacheRequest} and what the proxy does with it. Owns the request and shares its
 * reference count; pooled like the request: released through this object, both go back to their
 * thread's pool.
 */
final class MemcacheProxyRequest extends AbstractFramedRequest<MemcacheRequest> {
    /** twemproxy routes {@code version} by this literal key. */
    private static final ByteBuf PLACEHOLDER = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            MemcacheCommand.PLACEHOLDER_KEY.getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    private static final ThreadLocalPool<MemcacheProxyRequest> POOL = new ThreadLocalPool<>(MemcacheProxyRequest::new);

    private Action action;
    /** The list this request came from and goes back to. */
    private ThreadLocalPool.Local<MemcacheProxyRequest> home;

    private MemcacheProxyRequest() {
    }

    /** This thread's list of spare requests, for a codec to keep and pass to {@link #of}. */
    static ThreadLocalPool.Local<MemcacheProxyRequest> localPool() {
        return POOL.local();
    }

    /** @param request taken over */
    static MemcacheProxyRequest of(ThreadLocalPool.Local<MemcacheProxyRequest> from, MemcacheRequest request) {
        MemcacheProxyRequest proxyRequest = from.get();
        proxyRequest.home = from;
        proxyRequest.wrap(request);
        if (request.isError() || request.command() == MemcacheCommand.QUIT) {
            proxyRequest.action = Action.LOCAL;
        } else if (request.keyCount() > 1) {
            proxyRequest.action = Action.SPLIT;
        } else {
            proxyRequest.action = Action.FORWARD;
        }
        return proxyRequest;
    }

    @Override
    protected void deallocated() {
        action = null;
        ThreadLocalPool.Local<MemcacheProxyRequest> from = home;
        home = null;
        from.recycle(this);
    }

    @Override
    public Action action() {
        return action;
    }

    /** memcached's own error text; none for quit, or for a rejected noreply message(). */
    @Override
    public ByteBuf localReply(ByteBufAllocator alloc) {
        if (!message().isError() || (message().noreply() && !message().closesConnection())) {
            return null;
        }
        return message().error().reply();
    }

    @Override
    public boolean closeAfterReply() {
        return message().closesConnection();
    }

    @Override
    public boolean expectsReply() {
        return !message().noreply();
    }

    @Override
    public int keyCount() {
        return message().routesByPlaceholder() ? 1 : message().keyCount();
    }

    @Override
    public ByteBuf keyBuffer(int i) {
        return message().routesByPlaceholder() ? PLACEHOLDER : message().frameSource();
    }

    @Override
    public int keyIndex(int i) {
        if (message().routesByPlaceholder()) {
            return 0;
        }
        return message().frameIndex() + message().keyOffset(i);
    }

    @Override
    public int keyLength(int i) {
        return message().routesByPlaceholder() ? PLACEHOLDER.readableBytes() : message().keyLength(i);
    }

    /**
     * The command's ordinal, which the reply parser needs. A request rejected for an unknown command
     * has none and is never forwarded, but it is asked all the same (the proxy takes every request's
     * reply kind when the request arrives): 0 then.
     */
    @Override
    public int replyKind() {
        MemcacheCommand command = message().command();
        return command == null ? 0 : command.ordinal();
    }

    @Override
    public int command() {
        MemcacheCommand command = message().command();
        return command == null ? NO_COMMAND : command.ordinal();
    }

    @Override
    public Split split(int[] serverOfKey, ByteBufAllocator alloc) {
        return new MemcacheSplit(MemcacheMultiGet.split(message(), serverOfKey, alloc), message().command());
    }
}
