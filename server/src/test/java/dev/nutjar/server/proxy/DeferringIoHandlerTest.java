package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeferringIoHandlerTest {
    private DeferringIoHandler.Factory handlers;
    private EventLoopGroup group;
    private EventLoop loop;

    private void start(Transport transport) {
        if (transport == Transport.EPOLL) {
            assertThat(Epoll.isAvailable()).as("epoll, the transport on Linux").isTrue();
        }
        handlers = transport.newHandlers();
        group = transport.newGroup(1, "deferring-test", handlers);
        loop = group.next();
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** Work held by the loop: owed once per {@link #hold}, recording the thread each run is on. */
    private static class HeldWork implements DeferringIoHandler.Deferred {
        boolean owed;
        final List<Thread> runs = new ArrayList<>();
        final CountDownLatch ran = new CountDownLatch(1);

        void hold() {
            owed = true;
        }

        @Override
        public boolean owed() {
            return owed;
        }

        @Override
        public void run() {
            owed = false;
            runs.add(Thread.currentThread());
            ran.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void heldWorkRunsOnTheLoopWithoutAnythingElseToWakeIt(Transport transport) throws Exception {
        start(transport);
        HeldWork work = new HeldWork();
        handlers.handlerOf(loop).defer(work);
        Thread loopThread = loop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);

        // Held by a task the loop gives itself, which wakes nothing: after it, a loop that blocked in
        // its poll would never run the work.
        loop.execute(() -> loop.execute(work::hold));

        assertThat(work.ran.await(30, TimeUnit.SECONDS)).as("the held work ran").isTrue();
        assertThat(loop.submit(() -> List.copyOf(work.runs)).get(10, TimeUnit.SECONDS)).containsExactly(loopThread);
    }

    /** An I/O handler that records the passes it is asked to run. */
    private static final class RecordingIo implements IoHandler {
        final List<String> calls = new ArrayList<>();

        @Override
        public int run(IoHandlerContext context) {
            calls.add(context.canBlock() ? "poll, may block" : "poll now");
            return 1;
        }

        @Override
        public void wakeup() {
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return false;
        }
    }

    private static final IoHandlerContext MAY_BLOCK = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return true;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return Long.MAX_VALUE;
        }

        @Override
        public long deadlineNanos() {
            return -1;
        }
    };

    @Test
    void whileWorkIsOwedThePassPollsWithoutBlockingAndThenRunsIt() {
        RecordingIo io = new RecordingIo();
        ThreadAwareExecutor anyThread = new ThreadAwareExecutor() {
            @Override
            public boolean isExecutorThread(Thread thread) {
                return true;
            }

            @Override
            public void execute(Runnable task) {
                task.run();
            }
        };
        DeferringIoHandler handler = (DeferringIoHandler) new DeferringIoHandler.Factory(executor -> io)
                .newHandler(anyThread);
        HeldWork work = new HeldWork() {
            @Override
            public void run() {
                io.calls.add("held work");
                super.run();
            }
        };
        handler.defer(work);

        handler.run(MAY_BLOCK);
        work.hold();
        handler.run(MAY_BLOCK);
        handler.run(MAY_BLOCK);

        assertThat(io.calls).containsExactly("poll, may block", "poll now", "held work", "poll, may block");
    }

    @Test
    void workNotOwedIsNotRun() throws Exception {
        start(Transport.best());
        HeldWork work = new HeldWork();
        handlers.handlerOf(loop).defer(work);
        loop.execute(work::hold);
        work.ran.await(30, TimeUnit.SECONDS);

        for (int i = 0; i < 10; i++) {
            loop.submit(() -> { }).get(10, TimeUnit.SECONDS); // each a pass of the loop
        }

        assertThat(loop.submit(() -> work.runs.size()).get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void eachLoopHasOneHandlerAndOneDeferredWork() {
        start(Transport.best());
        DeferringIoHandler handler = handlers.handlerOf(loop);
        handler.defer(new HeldWork());

        assertThat(handlers.handlerOf(loop)).isSameAs(handler);
        assertThatThrownBy(() -> handler.defer(new HeldWork()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already set");
        EventLoopGroup other = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            assertThatThrownBy(() -> handlers.handlerOf(other.next()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a loop of this factory's group");
        } finally {
            other.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
