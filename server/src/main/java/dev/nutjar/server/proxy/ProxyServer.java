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
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final List<PoolRuntime> pools;
    private final List<Listener> listeners;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    private final List<Channel> serverChannels = new ArrayList<>();
    private final long startedAtMillis = System.currentTimeMillis();
    /** The client connections open now, for a drain; a closed channel leaves by itself. */
    private final ChannelGroup clients;
    private volatile boolean listening;
    private volatile boolean draining;

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
        this.pools = List.copyOf(pools);
        this.listeners = List.copyOf(listeners);
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
        this.clients = new DefaultChannelGroup("nutjar-clients", GlobalEventExecutor.INSTANCE);
    }

    /** Binds every listener; throws when one cannot be bound, after closing the others. */
    void start(boolean preconnect) throws IOException {
        for (int i = 0; i < pools.size(); i++) {
            PoolRuntime pool = pools.get(i);
            Listener listener = listeners.get(i);
            try {
                serverChannels.add(bind(pool, listener));
            } catch (Exception e) {
                close();
                throw new IOException("cannot listen on " + listener.describe() + " for pool '" + pool.name + "': "
                        + e.getMessage(), e);
            }
            log.info("pool '{}' listening on {}", pool.name, listener.describe());
        }
        if (preconnect) {
            preconnect();
        }
        listening = true;
    }

    private Channel bind(PoolRuntime pool, Listener listener) throws Exception {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(listener.isUnix() ? transport.unixServer : transport.tcpServer)
                .option(ChannelOption.SO_BACKLOG, listener.backlog())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.ALLOCATOR, PoolRuntime.ALLOCATOR)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accept(pool, listener, ch);
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

    private void accept(PoolRuntime pool, Listener listener, Channel ch) {
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
        clients.add(ch);
        ch.config().setRecvByteBufAllocator(loopState.readAllocator(pool));
        ch.pipeline().addLast(new ClientSession(pool, loopState));
    }

    private void preconnect() {
        for (LoopState state : loops.values()) {
            state.loop.execute(() -> {
                for (PoolRuntime pool : pools) {
                    state.upstream(pool).preconnect();
                }
            });
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

    List<PoolRuntime> pools() {
        return pools;
    }

    /** twemproxy's pool order in the stats: shorter name first, then bytewise. */
    List<PoolRuntime> poolsInStatsOrder() {
        List<PoolRuntime> sorted = new ArrayList<>(pools);
        sorted.sort((a, b) -> a.name.length() != b.name.length()
                ? Integer.compare(a.name.length(), b.name.length())
                : java.util.Arrays.compareUnsigned(
                        a.name.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        b.name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return sorted;
    }

    int listenerCount() {
        return serverChannels.size();
    }

    /** The address each pool's listener is bound to, in pool order: with port 0, the port chosen. */
    List<SocketAddress> boundAddresses() {
        List<SocketAddress> bound = new ArrayList<>(serverChannels.size());
        for (Channel channel : serverChannels) {
            bound.add(channel.localAddress());
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
        for (Channel channel : serverChannels) {
            channel.close().syncUninterruptibly();
        }
        log.warn("draining: listeners closed, {} client(s) close after their last reply", clients.size());
        for (Channel client : clients) {
            client.eventLoop().execute(() -> {
                ClientSession session = client.pipeline().get(ClientSession.class);
                if (session != null) {
                    session.drain();
                }
            });
        }
    }

    /**
     * Stops accepting, gives the requests in flight up to {@code graceMillis} to finish, then
     * closes every connection.
     */
    public void shutdown(long graceMillis) {
        for (Channel channel : serverChannels) {
            channel.close().syncUninterruptibly();
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
        for (Channel channel : serverChannels) {
            channel.close();
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
        for (Listener listener : listeners) {
            if (listener.isUnix()) {
                try {
                    Files.deleteIfExists(Path.of(listener.unixPath()));
                } catch (IOException e) {
                    log.debug("cannot remove {}: {}", listener.unixPath(), e.toString());
                }
            }
        }
    }
}
