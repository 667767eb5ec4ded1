package dev.nutjar.server.proxy;

import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: one listener per pool, N event loops, each owning its own backend
 * connections. A client stays on the loop that accepted it, so nothing on the request path
 * crosses threads or takes a lock.
 *
 * <p>Over 350 lines because it owns every listener and loop for their whole life: binding,
 * accepting, a reload's pool slots, drain and shutdown all change the same listeners and loops.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    /** The pools in file order; replaced whole by a reload. */
    private volatile List<PoolSlot> slots;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    private final long startedAtMillis = System.currentTimeMillis();
    private volatile boolean listening;
    private volatile boolean draining;
    /** The id the next pool added by a reload gets; ids are never reused. Guarded by the reload's lock. */
    private int nextPoolId;

    /**
     * A pool's place in the running proxy, across reloads: its current generation, its listener and
     * its clients. The acceptor reads {@link #current} once per accepted client.
     */
    static final class PoolSlot {
        volatile PoolRuntime current;
        volatile Listener listener;
        /** The bound listener; changed only by a reload, under its lock. */
        volatile Channel channel;
        /** Open clients, whichever generation accepted them: a removed pool drains them. */
        final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

        PoolSlot(PoolRuntime current, Listener listener) {
            this.current = current;
            this.listener = listener;
        }

        String name() {
            return current.name;
        }
    }

    /** Where and how a pool listens. */
    public record Listener(String host, int port, String unixPath, int permissions, int backlog, boolean tcpKeepalive) {
        boolean isUnix() {
            return unixPath != null;
        }

        String describe() {
            return isUnix() ? unixPath : host + ":" + port;
        }
    }

    ProxyServer(List<PoolRuntime> pools, List<Listener> listeners, Transport transport, int threads) {
        this(pools, listeners, transport, threads, false);
    }

    /** @param recordMetrics whether the loops record latencies and per-command counts ({@link LoopMetrics}) */
    ProxyServer(List<PoolRuntime> pools, List<Listener> listeners, Transport transport, int threads,
            boolean recordMetrics) {
        List<PoolSlot> initial = new ArrayList<>();
        for (int i = 0; i < pools.size(); i++) {
            initial.add(new PoolSlot(pools.get(i), listeners.get(i)));
            nextPoolId = Math.max(nextPoolId, pools.get(i).id + 1);
        }
        this.slots = List.copyOf(initial);
        this.transport = transport;
        DeferringIoHandler.Factory handlers = transport.newHandlers();
        this.group = transport.newGroup(threads, "nutjar-loop", handlers);
        PoolRuntime[] poolArray = pools.toArray(new PoolRuntime[0]);
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            LoopState state = new LoopState(loop, poolArray, recordMetrics);
            handlers.handlerOf(loop).defer(state.backendWrites());
            loops.put(loop, state);
        }
    }

    /** Binds every listener; throws when one cannot be bound, after closing the others. */
    void start(boolean preconnect) throws IOException {
        for (PoolSlot slot : slots) {
            try {
                slot.channel = bind(slot, slot.listener);
            } catch (IOException e) {
                close();
                throw e;
            }
            log.info("pool '{}' listening on {}", slot.name(), slot.listener.describe());
        }
        if (preconnect) {
            preconnect();
        }
        listening = true;
    }

    /** Binds {@code listener} for the pool of {@code slot}; its clients go to the slot's current generation. */
    Channel bind(PoolSlot slot, Listener listener) throws IOException {
        try {
            return bindChannel(slot, listener);
        } catch (Exception e) {
            throw new IOException("cannot listen on " + listener.describe() + " for pool '" + slot.name() + "': "
                    + e.getMessage(), e);
        }
    }

    private Channel bindChannel(PoolSlot slot, Listener listener) throws Exception {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(listener.isUnix() ? transport.unixServer : transport.tcpServer)
                .option(ChannelOption.SO_BACKLOG, listener.backlog())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.ALLOCATOR, PoolRuntime.ALLOCATOR)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accept(slot, ch);
                    }
                });
        SocketAddress address;
        if (listener.isUnix()) {
            Path path = Path.of(listener.unixPath());
            Files.deleteIfExists(path);
            address = new DomainSocketAddress(listener.unixPath());
        } else {
            bootstrap.option(ChannelOption.SO_REUSEADDR, true);
            address = new InetSocketAddress(listener.host(), listener.port());
        }
        Channel channel = bootstrap.bind(address).sync().channel();
        if (listener.isUnix() && listener.permissions() > 0) {
            Files.setPosixFilePermissions(Path.of(listener.unixPath()), permissions(listener.permissions()));
        }
        return channel;
    }

    private void accept(PoolSlot slot, Channel ch) {
        PoolRuntime pool = slot.current;
        Listener listener = slot.listener;
        if (!listener.isUnix()) {
            ch.config().setOption(ChannelOption.TCP_NODELAY, true);
            if (listener.tcpKeepalive()) {
                ch.config().setOption(ChannelOption.SO_KEEPALIVE, true);
            }
        }
        if (pool.tls.forClients()) {
            ch.pipeline().addLast(pool.tls.clientHandler(ch.alloc()), pool.tls.clientHandshakeLog());
        }
        LoopState loopState = loops.get(ch.eventLoop());
        if (!pool.clientOpened()) {
            loopState.counters.addPool(pool.id, PoolStat.CLIENTS_REFUSED, 1);
            // Unlike twemproxy, say why before closing.
            ByteBuf reply = pool.protocol.failureReply(ch.alloc(), "max number of clients reached");
            ch.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
            log.warn("pool '{}' refused a client: client_connections reached", pool.name);
            return;
        }
        if (draining) {
            ch.close(); // accepted as the listener closed
            return;
        }
        ch.config().setRecvByteBufAllocator(loopState.readAllocator(pool));
        ch.pipeline().addLast(new ClientSession(pool, loopState));
        slot.clients.add(ch);
    }

    private void preconnect() {
        for (PoolSlot slot : slots) {
            preconnect(slot.current);
        }
    }

    /** Opens every loop's connections to the servers of {@code pool} now. */
    void preconnect(PoolRuntime pool) {
        for (LoopState state : loops.values()) {
            state.loop.execute(() -> state.upstream(pool).preconnect());
        }
    }

    // ---------------------------------------------------------------- reload: each step on every loop

    /** The pools in file order, with their listeners and clients. */
    List<PoolSlot> slots() {
        return slots;
    }

    /** The pools in file order from now on. */
    void slots(List<PoolSlot> inFileOrder) {
        this.slots = List.copyOf(inFileOrder);
    }

    /** An id for a pool a reload adds. */
    int newPoolId() {
        return nextPoolId++;
    }

    /**
     * Makes {@code pool} known to every loop and waits until it is; not yet listening. From a thread
     * that is not an event loop.
     */
    PoolSlot addPool(PoolRuntime pool, Listener listener) {
        onEveryLoop(state -> state.addPool(pool));
        return new PoolSlot(pool, listener);
    }

    /** Moves every loop to {@code next}, the new generation of the pool of {@code slot}, then accepts for it. */
    void replacePool(PoolSlot slot, PoolRuntime next, int[] previousIndex, boolean keepConnections) {
        onEveryLoop(state -> state.replacePool(next, previousIndex, keepConnections));
        slot.current = next;
    }

    /**
     * Stops accepting for a removed pool; its clients read nothing more and close after their last
     * reply. Once they are gone, or after {@code graceMillis}, its backend connections close.
     */
    void removePool(PoolSlot slot, long graceMillis) {
        Channel channel = slot.channel;
        if (channel != null) {
            channel.close().syncUninterruptibly();
            removeSocketFile(slot.listener);
        }
        for (Channel client : slot.clients) {
            client.pipeline().fireUserEventTriggered(PoolRemoved.EVENT);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        EventLoop timerLoop = group.next();
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (!slot.clients.isEmpty() && System.nanoTime() - deadline < 0) {
                    timerLoop.schedule(this, 20, TimeUnit.MILLISECONDS);
                    return;
                }
                if (!slot.clients.isEmpty()) {
                    log.warn("pool '{}' removed: closing {} client(s) still waiting for replies",
                            slot.name(), slot.clients.size());
                    slot.clients.close();
                }
                for (LoopState state : loops.values()) {
                    state.loop.execute(() -> state.closePool(slot.current));
                }
                log.info("pool '{}' removed: its clients and server connections are closed", slot.name());
            }
        };
        timerLoop.execute(check);
    }

    /**
     * The clients that came in through {@code listener}, an address the pool no longer listens on,
     * read no more, get their replies, then close: they reconnect to the new address, as
     * twemproxy's reload tests expect of a pool that moves.
     */
    void drainClientsOf(PoolSlot slot, Channel listener) {
        for (Channel client : slot.clients) {
            if (client.parent() == listener) {
                client.pipeline().fireUserEventTriggered(PoolRemoved.EVENT);
            }
        }
    }

    /** Runs {@code step} on every event loop and waits until each has. */
    private void onEveryLoop(java.util.function.Consumer<LoopState> step) {
        List<io.netty.util.concurrent.Future<?>> done = new ArrayList<>();
        for (LoopState state : loops.values()) {
            if (state.loop.inEventLoop()) {
                throw new IllegalStateException("a reload must not run on an event loop");
            }
            done.add(state.loop.submit(() -> step.accept(state)));
        }
        for (io.netty.util.concurrent.Future<?> future : done) {
            future.syncUninterruptibly();
        }
    }

    /** Removes a unix listener's socket file once it is closed. */
    static void removeSocketFile(Listener listener) {
        if (listener.isUnix()) {
            try {
                Files.deleteIfExists(Path.of(listener.unixPath()));
            } catch (IOException e) {
                log.debug("cannot remove {}: {}", listener.unixPath(), e.toString());
            }
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    /** The pools' current generations, in file order. */
    List<PoolRuntime> pools() {
        List<PoolSlot> now = slots;
        List<PoolRuntime> pools = new ArrayList<>(now.size());
        for (PoolSlot slot : now) {
            pools.add(slot.current);
        }
        return pools;
    }

    /** twemproxy's pool order in the stats: shorter name first, then bytewise. */
    List<PoolRuntime> poolsInStatsOrder() {
        List<PoolRuntime> sorted = pools();
        sorted.sort((a, b) -> a.name.length() != b.name.length()
                ? Integer.compare(a.name.length(), b.name.length())
                : java.util.Arrays.compareUnsigned(
                        a.name.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        b.name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return sorted;
    }

    int listenerCount() {
        return slots.size();
    }

    /** The address each pool's listener is bound to, in pool order: with port 0, the port chosen. */
    List<SocketAddress> boundAddresses() {
        List<PoolSlot> now = slots;
        List<SocketAddress> bound = new ArrayList<>(now.size());
        for (PoolSlot slot : now) {
            Channel channel = slot.channel;
            bound.add(channel == null ? null : channel.localAddress());
        }
        return bound;
    }

    Iterable<LoopState> loops() {
        return loops.values();
    }

    long startedAtMillis() {
        return startedAtMillis;
    }

    /** Whether any request is still waiting for a backend's reply. */
    boolean idle() {
        for (LoopState state : loops.values()) {
            for (long[] servers : state.counters.server) {
                if (servers == null) {
                    continue;
                }
                for (int base = 0; base < servers.length; base += LoopCounters.SERVER_FIELDS) {
                    if (servers[base + ServerStat.IN_QUEUE.ordinal()] > 0
                            || servers[base + ServerStat.OUT_QUEUE.ordinal()] > 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Whether every listener is bound and the proxy is not draining. */
    boolean ready() {
        return listening && !draining;
    }

    boolean draining() {
        return draining;
    }

    /**
     * Stops accepting and lets every client finish: what a client sent before is answered, then
     * its connection is closed. Returns at once; {@link #idle()} tells when the replies are out.
     */
    void drain() {
        if (draining) {
            return;
        }
        draining = true;
        int clients = 0;
        for (PoolSlot slot : slots) {
            Channel channel = slot.channel;
            if (channel != null) {
                channel.close().syncUninterruptibly();
            }
            clients += slot.clients.size();
        }
        log.warn("draining: listeners closed, {} client(s) close after their last reply", clients);
        for (PoolSlot slot : slots) {
            for (Channel client : slot.clients) {
                client.eventLoop().execute(() -> {
                    ClientSession session = client.pipeline().get(ClientSession.class);
                    if (session != null) {
                        session.drain();
                    }
                });
            }
        }
    }

    /**
     * Stops accepting, gives the requests in flight up to {@code graceMillis} to finish, then
     * closes every connection.
     */
    public void shutdown(long graceMillis) {
        for (PoolSlot slot : slots) {
            Channel channel = slot.channel;
            if (channel != null) {
                channel.close().syncUninterruptibly();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        while (!idle() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
    }

    @Override
    public void close() {
        for (PoolSlot slot : slots) {
            Channel channel = slot.channel;
            if (channel != null) {
                channel.close();
            }
        }
        for (LoopState state : loops.values()) {
            if (!state.loop.isShuttingDown()) {
                state.loop.execute(state::closeBackends);
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        for (LoopState state : loops.values()) {
            // The loops have stopped: nothing takes or gives back buffers any more.
            state.spares.releaseAll();
            state.largeReads.freeAll();
        }
        for (PoolSlot slot : slots) {
            removeSocketFile(slot.listener);
        }
    }
}
