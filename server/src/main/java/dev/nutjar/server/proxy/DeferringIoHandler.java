package dev.nutjar.server.proxy;

import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport's I/O handler that lets its event loop hold work for one more poll. While the
 * loop's {@link Deferred} is owed, the next I/O pass polls without blocking, handles what is
 * ready, and then runs the deferred work, which then includes whatever that poll added.
 *
 * <p>The loop uses it for the writes to its backends: the requests of the clients that were
 * ready in one poll, and of those ready in the next, leave for a server in one write, as
 * nutcracker's writes on the next poll's EPOLLOUT do. A faster loop would otherwise poll more
 * often, find fewer clients ready each time and wake each server once per handful of requests,
 * and on a loopback each such wake-up costs more than the proxy's own work per request.
 */
final class DeferringIoHandler extends ForwardingIoHandler {
    /** Work held for the loop's next I/O pass. Called on the loop thread only. */
    interface Deferred {
        /** Whether work is held: the next pass must not block. */
        boolean owed();

        /** Runs the held work; called after the pass's I/O was handled. */
        void run();
    }

    /** Polls without blocking: what the pass is for is the held work, not new I/O. */
    private static final IoHandlerContext POLL_NOW = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return 0;
        }

        @Override
        public long deadlineNanos() {
            return -1; // none: a non-blocking poll has no timeout to compute
        }
    };

    private volatile Deferred deferred;

    private DeferringIoHandler(IoHandler io) {
        super(io);
    }

    /** Makes the handlers, and remembers which loop each one serves. */
    static final class Factory implements IoHandlerFactory {
        private final IoHandlerFactory io;
        private final Map<ThreadAwareExecutor, DeferringIoHandler> byLoop = new ConcurrentHashMap<>();

        Factory(IoHandlerFactory io) {
            this.io = io;
        }

        @Override
        public IoHandler newHandler(ThreadAwareExecutor loop) {
            DeferringIoHandler handler = new DeferringIoHandler(io.newHandler(loop));
            byLoop.put(loop, handler);
            return handler;
        }

        @Override
        public boolean isChangingThreadSupported() {
            return io.isChangingThreadSupported();
        }

        /** The handler of {@code loop}, a loop of a group built with this factory. */
        DeferringIoHandler handlerOf(ThreadAwareExecutor loop) {
            DeferringIoHandler handler = byLoop.get(loop);
            if (handler == null) {
                throw new IllegalArgumentException("not a loop of this factory's group: " + loop);
            }
            return handler;
        }
    }

    /** Sets the loop's held work; once, before the loop uses it. */
    void defer(Deferred work) {
        if (deferred != null) {
            throw new IllegalStateException("the loop's deferred work is already set");
        }
        deferred = work;
    }

    @Override
    public int run(IoHandlerContext context) {
        Deferred work = deferred;
        if (work == null || !work.owed()) {
            return delegate.run(context);
        }
        int handled = delegate.run(POLL_NOW);
        work.run();
        return handled;
    }
}
