package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Protocol;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.cluster.ClusterTopology;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.config.ReadFrom;
import dev.nutjar.server.sentinel.SentinelWatch;
import dev.nutjar.server.tls.NodeTls;
import dev.nutjar.server.tls.PoolTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pool as the proxy runs it: its routing, protocol and backend connection settings. Immutable:
 * a reload that changes the pool makes its next generation, with the same {@link #id} and the same
 * count of clients, and the event loops move to it.
 */
final class PoolRuntime {
    /**
     * Every connection reads into Netty's pooled buffers: a request or reply is a retained slice
     * of what was read, and slices of pooled buffers are recycled, where those of the default
     * adaptive allocator are a new object each.
     */
    static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    final int id;
    final String name;
    final Protocol protocol;
    final ProtocolSettings protocolSettings;
    final ServerPool routing;
    final long timeoutNanos;
    final int serverConnections;
    final int connectTimeoutMillis;
    /** Buffer sizes, from {@code -m}: the same for every pool. */
    final BufferSettings buffers;
    /** How client and backend connections of this pool size their reads. */
    final RecvByteBufAllocator recvAllocator;
    private final List<ServerSpec> servers;
    private final Transport transport;
    private final int maxClients;
    /** Shared by every generation of the pool: the clients open now, whichever they were accepted by. */
    private final AtomicInteger clients;
    /** Opens the backend connections; tests put in channels of their own. */
    BackendConnector connector = this::connect;
    /** TLS to clients and servers; set before the pool serves. */
    PoolTls tls = PoolTls.PLAIN;
    /** What each server is told on a new connection (its credentials); null: {@link #protocolSettings}. */
    ProtocolSettings[] serverSettings;

    /** What a cluster pool's nodes are told on a new connection: the pool's credentials, as its probe's. */
    ProtocolSettings nodeSettings;
    /** For a Redis Cluster pool, its slot map, which places the keys; null for a ring of fixed servers. */
    ClusterTopology cluster;
    /** For a Redis Cluster pool, which node of a slot answers read-only commands ({@code read_from}). */
    ReadFrom readFrom = ReadFrom.MASTER;
    /** Where a Sentinel pool's masters are; null for a pool of fixed addresses. Set before the pool serves. */
    SentinelWatch sentinels;
    /** The pool as requests sent to several of its servers see it; set before the pool serves. */
    PoolDescription description;
    /** {@code dedicated_connections}: the most connections the pool's clients may hold for themselves. */
    int maxDedicated = dev.nutjar.server.config.PoolConfig.DEFAULT_DEDICATED_CONNECTIONS;
    /** The connections the pool's clients hold for themselves, over every loop; shared by its generations. */
    AtomicInteger dedicated = new AtomicInteger();

    /** Takes a dedicated connection; false at {@link #maxDedicated}. */
    boolean dedicatedOpened() {
        return takeBelow(dedicated, maxDedicated);
    }

    void dedicatedClosed() {
        dedicated.decrementAndGet();
    }

    PoolRuntime(int id, String name, Protocol protocol, ProtocolSettings protocolSettings, ServerPool routing,
            long timeoutMillis, int serverConnections, int maxClients, Transport transport, BufferSettings buffers) {
        this(id, name, protocol, protocolSettings, routing, timeoutMillis, serverConnections, maxClients, transport,
                buffers, new AtomicInteger());
    }

    /** A generation of a pool whose clients are counted in {@code clients}. */
    PoolRuntime(int id, String name, Protocol protocol, ProtocolSettings protocolSettings, ServerPool routing,
            long timeoutMillis, int serverConnections, int maxClients, Transport transport, BufferSettings buffers,
            AtomicInteger clients) {
        this.clients = clients;
        this.id = id;
        this.name = name;
        this.protocol = protocol;
        this.protocolSettings = protocolSettings;
        this.routing = routing;
        this.timeoutNanos = timeoutMillis > 0 ? TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
        this.connectTimeoutMillis = timeoutMillis > 0 ? (int) Math.min(timeoutMillis, Integer.MAX_VALUE) : 30_000;
        this.serverConnections = serverConnections;
        this.maxClients = maxClients;
        this.servers = routing.servers();
        this.transport = transport;
        this.buffers = buffers;
        this.recvAllocator = buffers.recvAllocator();
        this.description = new PoolDescription(this, java.util.Set.of());
    }

    /** The next generation of this pool shares its count of clients. */
    AtomicInteger sharedClientCount() {
        return clients;
    }

    Transport transport() {
        return transport;
    }

    int serverCount() {
        return servers.size();
    }

    String serverName(int server) {
        return servers.get(server).name();
    }

    List<ServerSpec> servers() {
        return servers;
    }

    /** The settings a new connection to {@code server} is opened with: the pool's, with its credentials. */
    ProtocolSettings serverSettings(int server) {
        return serverSettings == null ? protocolSettings : serverSettings[server];
    }

    /** Takes a client slot; false when client_connections is reached. */
    boolean clientOpened() {
        if (maxClients <= 0) {
            clients.incrementAndGet();
            return true;
        }
        return takeBelow(clients, maxClients);
    }

    /** Adds one to {@code count} unless it is at {@code max}; whether it did. */
    private static boolean takeBelow(AtomicInteger count, int max) {
        while (true) {
            int n = count.get();
            if (n >= max) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void clientClosed() {
        clients.decrementAndGet();
    }

    int clients() {
        return clients.get();
    }

    /**
     * Opens a connection to {@code server} on {@code loop}, reading with {@code readAllocator}; the
     * host is resolved now, as twemproxy does.
     */
    ChannelFuture connect(int server, EventLoop loop, RecvByteBufAllocator readAllocator, ChannelHandler handler) {
        ServerSpec spec = servers.get(server);
        SocketAddress address;
        if (spec.isUnix()) {
            address = new DomainSocketAddress(spec.unixPath());
        } else {
            address = sentinels != null ? sentinels.address(spec.name()) : new InetSocketAddress(spec.host(), spec.port());
        }
        return bootstrap(loop, readAllocator, spec.isUnix())
                .handler(tls.toServer(server) ? withTls(server, address, handler) : handler)
                .connect(address);
    }

    /** Opens a connection to {@code node} of a cluster pool, as {@link #connect(int, EventLoop, RecvByteBufAllocator, ChannelHandler)}. */
    ChannelFuture connect(NodeAddress node, EventLoop loop, RecvByteBufAllocator readAllocator, ChannelHandler handler) {
        NodeTls nodeTls = tls.nodes();
        return bootstrap(loop, readAllocator, false).handler(nodeTls == null ? handler : withTls(nodeTls, node, handler))
                .connect(new InetSocketAddress(node.host(), node.port()));
    }

    private Bootstrap bootstrap(EventLoop loop, RecvByteBufAllocator readAllocator, boolean unix) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(unix ? transport.unix : transport.tcp)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .option(ChannelOption.RECVBUF_ALLOCATOR, readAllocator);
        if (!unix) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
        }
        return bootstrap;
    }

    /** Where a Sentinel pool's {@code server} is now, or null when unknown; null in other pools. */
    SocketAddress masterAddress(int server) {
        return sentinels == null ? null : sentinels.address(serverName(server));
    }

    /** {@code handler} behind TLS to a cluster node, as {@link #withTls(int, SocketAddress, ChannelHandler)}. */
    private static ChannelHandler withTls(NodeTls nodeTls, NodeAddress node, ChannelHandler handler) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(nodeTls.handler(node.host(), node.port(), ch.alloc()), nodeTls.handshakeLog(),
                        handler);
            }
        };
    }

    /**
     * {@code handler} behind TLS: requests wait in the SslHandler until the handshake is done. A
     * Sentinel pool's master is checked by the address a sentinel gave, its configured "host" being
     * the master's name.
     */
    private ChannelHandler withTls(int server, SocketAddress address, ChannelHandler handler) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                SslHandler ssl = sentinels != null && address instanceof InetSocketAddress master
                        ? tls.serverHandler(server, master.getHostString(), master.getPort(), ch.alloc())
                        : tls.serverHandler(server, ch.alloc());
                ch.pipeline().addLast(ssl, tls.serverHandshakeLog(server), handler);
            }
        };
    }
}
