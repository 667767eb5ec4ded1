package dev.nutjar.redis.internal;

import dev.nutjar.protocol.AbstractFramedRequest;
import dev.nutjar.protocol.PoolView;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.protocol.Split;
import dev.nutjar.protocol.ThreadLocalPool;
import dev.nutjar.redis.RedisCommand;
import dev.nutjar.redis.RedisFragmentation;
import dev.nutjar.redis.RedisLocalReply;
import dev.nutjar.redis.RedisReplies;
import dev.nutjar.redis.RedisRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A parsed {@link RedisRequest} and what the proxy does with it. Owns the request and shares its
 * reference count: one count, one release, however the request is passed on. Pooled like the
 * request: released through this object, both go back to their thread's pool.
 */
final class RedisProxyRequest extends AbstractFramedRequest<RedisRequest> {
    /** twemproxy routes keyless forwarded commands (COMMAND, LOLWUT) by this literal key. */
    private static final ByteBuf PLACEHOLDER = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(RedisRequest.PLACEHOLDER_KEY.getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    private static final ThreadLocalPool<RedisProxyRequest> POOL = new ThreadLocalPool<>(RedisProxyRequest::new);

    private Action action;
    private RedisLocalReply localReply;
    private String error;
    private boolean closeAfterReply;
    private boolean placeholder;
    private boolean keysMustShareServer;
    /** A reply made as the request was decoded (ECHO, HELLO, CLIENT...); owned until taken. */
    private ByteBuf answer;
    /** The list this request came from and goes back to. */
    private ThreadLocalPool.Local<RedisProxyRequest> home;
    private SessionRole sessionRole = SessionRole.NONE;

    private RedisProxyRequest() {
    }

    /** This thread's list of spare requests, for a codec to keep and pass to the factories below. */
    static ThreadLocalPool.Local<RedisProxyRequest> localPool() {
        return POOL.local();
    }

    private static RedisProxyRequest of(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request,
            Action action, RedisLocalReply localReply, String error, boolean closeAfterReply, boolean placeholder,
            boolean keysMustShareServer) {
        RedisProxyRequest proxyRequest = from.get();
        proxyRequest.home = from;
        proxyRequest.wrap(request);
        proxyRequest.action = action;
        proxyRequest.localReply = localReply;
        proxyRequest.error = error;
        proxyRequest.closeAfterReply = closeAfterReply;
        proxyRequest.placeholder = placeholder;
        proxyRequest.keysMustShareServer = keysMustShareServer;
        return proxyRequest;
    }

    static RedisProxyRequest local(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request,
            RedisLocalReply reply, boolean close) {
        return of(from, request, Action.LOCAL, reply, null, close, false, false);
    }

    static RedisProxyRequest error(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request, String error) {
        return of(from, request, Action.LOCAL, null, error, false, false, false);
    }

    static RedisProxyRequest placeholder(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request) {
        return of(from, request, Action.FORWARD, null, null, false, true, false);
    }

    static RedisProxyRequest forward(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request,
            boolean keysMustShareServer) {
        return of(from, request, Action.FORWARD, null, null, false, false, keysMustShareServer);
    }

    static RedisProxyRequest split(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request) {
        return of(from, request, Action.SPLIT, null, null, false, false, false);
    }

    /** @param answer the reply, taken over */
    static RedisProxyRequest answered(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request,
            ByteBuf answer) {
        RedisProxyRequest proxyRequest = of(from, request, Action.LOCAL, null, null, false, false, false);
        proxyRequest.answer = answer;
        return proxyRequest;
    }

    /** A request sent to several servers: every server, or the one its cursor names. */
    static RedisProxyRequest fanOut(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request) {
        return of(from, request, Action.FAN_OUT, null, null, false, false, false);
    }

    /**
     * A request that changes its client's session: forwarded by the proxy's session logic, on a
     * connection of the client's own; its keys (channels for pub/sub) must share a server unless
     * it subscribes or unsubscribes.
     */
    static RedisProxyRequest session(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request,
            SessionRole role) {
        RedisProxyRequest proxyRequest = of(from, request, Action.FORWARD, null, null, false, false,
                !role.isSubscription());
        proxyRequest.sessionRole = role;
        return proxyRequest;
    }

    /**
     * PING, which a subscribed client gets another reply to.
     *
     * @param answer the reply to a PING with a message, taken over; null for a bare PING (+PONG)
     */
    static RedisProxyRequest ping(ThreadLocalPool.Local<RedisProxyRequest> from, RedisRequest request,
            ByteBuf answer) {
        RedisProxyRequest proxyRequest = answer == null
                ? local(from, request, RedisLocalReply.PONG, false)
                : answered(from, request, answer);
        proxyRequest.sessionRole = SessionRole.PING;
        return proxyRequest;
    }

    @Override
    public SessionRole sessionRole() {
        return sessionRole;
    }

    /** The request as parsed, for the session codec's replies. */
    RedisRequest redisRequest() {
        return message();
    }

    @Override
    protected void deallocated() {
        sessionRole = SessionRole.NONE;
        action = null;
        localReply = null;
        error = null;
        if (answer != null) {
            answer.release();
            answer = null;
        }
        ThreadLocalPool.Local<RedisProxyRequest> from = home;
        home = null;
        from.recycle(this);
    }

    @Override
    public Action action() {
        return action;
    }

    @Override
    public ByteBuf localReply(ByteBufAllocator alloc) {
        if (answer != null) {
            ByteBuf taken = answer;
            answer = null;
            return taken;
        }
        return localReply != null ? localReply.buffer() : RedisReplies.error(alloc, error);
    }

    @Override
    public boolean closeAfterReply() {
        return closeAfterReply;
    }

    @Override
    public boolean expectsReply() {
        return true;
    }

    @Override
    public int command() {
        RedisCommand command = message().command();
        return command == null ? NO_COMMAND : command.ordinal();
    }

    @Override
    public boolean readOnly() {
        RedisCommand command = message().command();
        return command != null && command.readOnly();
    }

    @Override
    public int keyCount() {
        return placeholder ? 1 : message().keyCount();
    }

    @Override
    public ByteBuf keyBuffer(int i) {
        return placeholder ? PLACEHOLDER : message().frameSource();
    }

    @Override
    public int keyIndex(int i) {
        return placeholder ? 0 : message().frameIndex() + message().keyOffset(i);
    }

    @Override
    public int keyLength(int i) {
        return placeholder ? PLACEHOLDER.readableBytes() : message().keyLength(i);
    }

    @Override
    public boolean keysMustShareServer() {
        return keysMustShareServer;
    }

    @Override
    public ByteBuf crossServerReply(ByteBufAllocator alloc) {
        return RedisReplies.error(alloc, "ERR nutjar: keys of '" + message().command().lowercaseName()
                + "' map to different servers; use a hash tag");
    }

    @Override
    public Split fanOut(PoolView pool, ByteBufAllocator alloc) {
        return FanOutCommands.split(message(), pool, alloc);
    }

    @Override
    public Split split(int[] serverOfKey, ByteBufAllocator alloc) {
        return new RedisSplit(RedisFragmentation.split(message(), serverOfKey), alloc);
    }
}
