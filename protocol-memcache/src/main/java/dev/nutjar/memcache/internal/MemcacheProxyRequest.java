package dev.nutjar.memcache.internal;

import dev.nutjar.memcache.MemcacheCommand;
import dev.nutjar.memcache.MemcacheMultiGet;
import dev.nutjar.memcache.MemcacheRequest;
import dev.nutjar.protocol.AbstractRequest;
import dev.nutjar.protocol.Split;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A parsed {@link MemcacheRequest} and what the proxy does with it. Owns the request and shares its
 * reference count.
 */
final class MemcacheProxyRequest extends AbstractRequest {
    /** twemproxy routes {@code version} by this literal key. */
    private static final ByteBuf PLACEHOLDER = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            MemcacheCommand.PLACEHOLDER_KEY.getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    private final MemcacheRequest request;
    private final Action action;

    MemcacheProxyRequest(MemcacheRequest request) {
        super(request);
        this.request = request;
        if (request.isError() || request.command() == MemcacheCommand.QUIT) {
            action = Action.LOCAL;
        } else if (request.keyCount() > 1) {
            action = Action.SPLIT;
        } else {
            action = Action.FORWARD;
        }
    }

    @Override
    public Action action() {
        return action;
    }

    /** memcached's own error text; none for quit, or for a rejected noreply request. */
    @Override
    public ByteBuf localReply(ByteBufAllocator alloc) {
        if (!request.isError() || (request.noreply() && !request.closesConnection())) {
            return null;
        }
        return request.error().reply();
    }

    @Override
    public boolean closeAfterReply() {
        return request.closesConnection();
    }

    @Override
    public boolean expectsReply() {
        return !request.noreply();
    }

    @Override
    public ByteBuf frame() {
        return request.frame();
    }

    @Override
    public ByteBuf frameSource() {
        return request.frameSource();
    }

    @Override
    public int frameIndex() {
        return request.frameIndex();
    }

    @Override
    public int frameLength() {
        return request.frameLength();
    }

    @Override
    public int keyCount() {
        return request.routesByPlaceholder() ? 1 : request.keyCount();
    }

    @Override
    public ByteBuf keyBuffer(int i) {
        return request.routesByPlaceholder() ? PLACEHOLDER : request.frameSource();
    }

    @Override
    public int keyIndex(int i) {
        if (request.routesByPlaceholder()) {
            return 0;
        }
        return request.frameIndex() + request.keyOffset(i);
    }

    @Override
    public int keyLength(int i) {
        return request.routesByPlaceholder() ? PLACEHOLDER.readableBytes() : request.keyLength(i);
    }

    /**
     * The command's ordinal, which the reply parser needs. A request rejected for an unknown command
     * has none and is never forwarded, but it is asked all the same (the proxy takes every request's
     * reply kind when the request arrives): 0 then.
     */
    @Override
    public int replyKind() {
        MemcacheCommand command = request.command();
        return command == null ? 0 : command.ordinal();
    }

    @Override
    public Split split(int[] serverOfKey, ByteBufAllocator alloc) {
        return new MemcacheSplit(MemcacheMultiGet.split(request, serverOfKey, alloc), request.command());
    }

    @Override
    public String describe() {
        return request.command() == null ? "unknown command" : request.command().wireName();
    }
}
