package dev.nutjar.server.proxy;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's epoll I/O handler, with a fix for a bug of Netty 4.2.18: when a channel's interest set
 * becomes empty, its registration takes the file descriptor out of epoll but goes on believing it
 * is in, so the next interest (EPOLLOUT, to finish a large write) is an {@code EPOLL_CTL_MOD} that
 * fails with ENOENT, and the write fails: the channel's output is shut and what was still to be
 * written is lost.
 *
 * <p>A half-closed client connection gets there: once the client has shut its write side, Netty
 * stops reading (no EPOLLIN, no EPOLLRDHUP), and the first reply too large for the socket buffer
 * is cut short. Here, a registration whose descriptor was taken out is replaced by a fresh one
 * before the next non-empty interest, and the fresh one adds the descriptor back.
 *
 * <p>Everything else is the epoll handler's own; remove this class once Netty is upgraded past the
 * bug.
 */
final class EpollReAdd extends ForwardingIoHandler {
    private EpollReAdd(IoHandler epoll) {
        super(epoll);
    }

    /** {@link EpollIoHandler#newFactory()}, with the fix. */
    static IoHandlerFactory newFactory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new EpollReAdd(epoll.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return epoll.isChangingThreadSupported();
            }
        };
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Registration(handle, delegate.register(handle));
    }

    /** One channel's registration; used on its event loop only, as Netty does. */
    private final class Registration implements IoRegistration {
        private final IoHandle handle;
        private IoRegistration current;
        /** The last interest submitted was empty: the descriptor may be out of epoll. */
        private boolean empty;

        Registration(IoHandle handle, IoRegistration current) {
            this.handle = handle;
            this.current = current;
        }

        @Override
        public long submit(IoOps ops) {
            boolean nowEmpty = ((EpollIoOps) ops).value() == 0;
            if (empty && !nowEmpty && current.isValid()) {
                // Out of epoll, though the registration thinks otherwise: start a fresh one, which
                // adds the descriptor on this submit. (Its removal from epoll fails quietly: it is
                // not there.)
                current.cancel();
                try {
                    current = delegate.register(handle);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot register " + handle + " with epoll again", e);
                }
            }
            empty = nowEmpty;
            return current.submit(ops);
        }

        @Override
        public <T> T attachment() {
            return current.attachment();
        }

        @Override
        public boolean isValid() {
            return current.isValid();
        }

        @Override
        public boolean cancel() {
            return current.cancel();
        }
    }
}
