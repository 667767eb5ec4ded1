package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.protocol.Protocols;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The proxy core without sockets: one client session and the backend connections of one loop,
 * each on a Netty {@link EmbeddedChannel}, with the loop's clock frozen and moved by hand. Every
 * buffer comes from one instrumented allocator, so that {@link #close} can check none is left.
 */
final class CoreHarness implements AutoCloseable {
    final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    final EmbeddedChannel client = new EmbeddedChannel();
    /**
     * Stands for the event loop: its tasks (flushes, timers) run when the test says. Not the
     * client's own loop, which an {@link EmbeddedChannel} runs inside every write.
     */
    private final EmbeddedChannel eventLoop = new EmbeddedChannel();
    final PoolRuntime pool;
    final LoopState loop;
    /** By server index: the latest connection opened to it, or null. */
    final EmbeddedChannel[] backends;

    /**
     * A redis pool of {@code servers} servers (ketama) with the pool's {@code timeout}, 0 for none.
     */
    CoreHarness(int servers, long timeoutMillis) {
        eventLoop.freezeTime();
        client.config().setAllocator(alloc);
        List<ServerSpec> specs = new java.util.ArrayList<>();
        for (int s = 0; s < servers; s++) {
            specs.add(ServerSpec.parse("127.0.0.1:" + (7001 + s) + ":1 s" + s));
        }
        ServerPool routing = ServerPool.builder("core").servers(specs).distribution(Distributions.get("ketama")).build();
        pool = new PoolRuntime(0, "core", Protocols.registry().get("redis"), ProtocolSettings.defaults(), routing,
                timeoutMillis, 1, 0, Transport.best(), BufferSettings.defaults());
        backends = new EmbeddedChannel[servers];
        pool.connector = (server, eventLoop, readAllocator, handler) -> {
            EmbeddedChannel backend = new EmbeddedChannel();
            backend.config().setAllocator(alloc);
            backend.pipeline().addLast(handler);
            backends[server] = backend;
            return backend.newSucceededFuture();
        };
        loop = new LoopState(eventLoop.eventLoop(), new PoolRuntime[] {pool});
        client.pipeline().addLast(new ClientSession(pool, loop));
        client.pipeline().fireChannelActive();
    }

    /** A key the pool places on {@code server}. */
    String keyOn(int server) {
        for (int i = 0; ; i++) {
            String key = "key" + i;
            if (pool.routing.route(key.getBytes(StandardCharsets.US_ASCII)) == server) {
                return key;
            }
        }
    }

    /** The client sends {@code text} in one write. */
    void clientSends(String text) {
        client.writeInbound(bytes(text));
    }

    /** The client shuts its write side. */
    void clientShutsInput() {
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        runTasks();
    }

    /** What the loop does after its next poll: the backend writes held for it go out. */
    void backendWritesGoOut() {
        if (loop.backendWrites().owed()) {
            loop.backendWrites().run();
        }
    }

    /** The requests server {@code server} received since last asked. */
    String serverReceived(int server) {
        backendWritesGoOut();
        EmbeddedChannel backend = backends[server];
        return backend == null ? "" : drain(backend);
    }

    /** Server {@code server} answers with {@code text}, read in one piece. */
    void serverReplies(int server, String text) {
        backends[server].writeInbound(bytes(text));
    }

    /** Server {@code server} closes its connection. */
    void serverCloses(int server) {
        backends[server].close();
        runTasks();
    }

    /**
     * What the client got since last asked: the loop's pending flushes run first, and the clock
     * moves on by 2 ms for the flushes held for replies still due.
     */
    String clientReceived() {
        runTasks();
        elapse(TimeUnit.NANOSECONDS.toMillis(2 * HeldFlushes.DEFAULT_PERIOD_NANOS) + 1);
        return drain(client);
    }

    /** Moves the loop's clock on and runs what is due. */
    void elapse(long millis) {
        eventLoop.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        eventLoop.runScheduledPendingTasks();
        runTasks();
    }

    /** Runs the loop's pending tasks, and the client channel's (its decode turn). */
    void runTasks() {
        eventLoop.runPendingTasks();
        client.runScheduledPendingTasks();
        client.runPendingTasks();
        eventLoop.runPendingTasks();
    }

    long poolStat(PoolStat stat) {
        return loop.counters.pool[0][stat.ordinal()];
    }

    long serverStat(int server, ServerStat stat) {
        return loop.counters.server[0][server * LoopCounters.SERVER_FIELDS + stat.ordinal()];
    }

    ByteBuf bytes(String text) {
        ByteBuf buf = alloc.heapBuffer(text.length());
        buf.writeCharSequence(text, StandardCharsets.UTF_8);
        return buf;
    }

    private static String drain(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    /** Closes every channel and checks that every buffer taken from {@link #alloc} was released. */
    @Override
    public void close() {
        client.finishAndReleaseAll();
        for (EmbeddedChannel backend : backends) {
            if (backend != null) {
                backend.finishAndReleaseAll();
            }
        }
        loop.closeBackends();
        runTasks();
        eventLoop.finishAndReleaseAll();
        loop.spares.releaseAll();
        assertThat(alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory())
                .as("bytes of buffers never released")
                .isZero();
    }

    static String repeat(char c, int n) {
        char[] chars = new char[n];
        Arrays.fill(chars, c);
        return new String(chars);
    }
}
