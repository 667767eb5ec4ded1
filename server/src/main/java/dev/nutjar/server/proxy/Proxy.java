package dev.nutjar.server.proxy;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.protocol.Protocol;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.admin.AdminServer;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.metrics.MetricsSnapshot;
import dev.nutjar.server.tls.PoolTls;
import dev.nutjar.server.tls.SslContexts;
import dev.nutjar.spi.ProviderRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy built from a configuration: the pools' listeners, the event loops and the
 * stats port. {@link #close()} stops it.
 */
public final class Proxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    private final ProxyServer server;
    private final StatsServer stats;
    private final List<ServerPool> routing;
    private final ServerReturns returns;
    private volatile AdminServer admin;

    /**
     * How to run: event loops, the stats listener, the registries names resolve in, and the
     * buffer unit.
     *
     * @param threads event loops, at least 1
     * @param statsAddress the stats listener's address; null for no stats listener
     * @param statsPort the stats port, 0 for any free port
     * @param statsIntervalMillis how often the stats document is rebuilt
     * @param maxValueLength the largest value a request may carry
     * @param mbufSize the buffer unit in bytes, nutcracker's {@code -m}: 512..16777216, default
     *     {@value #DEFAULT_MBUF_SIZE}. Sets the size of the buffers small writes are coalesced
     *     into, the largest write that is coalesced, and the largest read
     * @param adminAddress the admin HTTP port's address ({@code /metrics}, {@code /ready},
     *     {@code /drain}); null for none, and then no latency or per-command metrics are recorded
     * @param adminPort the admin port, 0 for any free port
     */
    public record Options(
            int threads,
            String statsAddress,
            int statsPort,
            long statsIntervalMillis,
            long maxValueLength,
            ProviderRegistry<HashFunction> hashes,
            ProviderRegistry<Distribution> distributions,
            ProviderRegistry<Protocol> protocols,
            int mbufSize,
            String adminAddress,
            int adminPort) {

        /** nutcracker's default {@code -m}. */
        public static final int DEFAULT_MBUF_SIZE = BufferSettings.DEFAULT_UNIT;

        /** The options without an admin port. */
        public Options(int threads, String statsAddress, int statsPort, long statsIntervalMillis, long maxValueLength,
                ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions,
                ProviderRegistry<Protocol> protocols, int mbufSize) {
            this(threads, statsAddress, statsPort, statsIntervalMillis, maxValueLength, hashes, distributions,
                    protocols, mbufSize, null, 0);
        }

        /** These options with the admin port on {@code address:port} (port 0: any free port). */
        public Options withAdmin(String address, int port) {
            return new Options(threads, statsAddress, statsPort, statsIntervalMillis, maxValueLength, hashes,
                    distributions, protocols, mbufSize, address, port);
        }

        /** The options with the default buffer unit, {@value #DEFAULT_MBUF_SIZE} bytes. */
        public Options(int threads, String statsAddress, int statsPort, long statsIntervalMillis, long maxValueLength,
                ProviderRegistry<HashFunction> hashes, ProviderRegistry<Distribution> distributions,
                ProviderRegistry<Protocol> protocols) {
            this(threads, statsAddress, statsPort, statsIntervalMillis, maxValueLength, hashes, distributions,
                    protocols, DEFAULT_MBUF_SIZE);
        }
    }

    private Proxy(ProxyServer server, StatsServer stats, List<ServerPool> routing, ServerReturns returns) {
        this.server = server;
        this.stats = stats;
        this.routing = routing;
        this.returns = returns;
    }

    /** Builds every pool, binds every listener and the stats port, and starts serving. */
    public static Proxy start(NutjarConfig config, Options options) throws IOException {
        List<PoolRuntime> pools = new ArrayList<>();
        List<ProxyServer.Listener> listeners = new ArrayList<>();
        List<ServerPool> routing = new ArrayList<>();
        Transport transport = Transport.best();
        boolean preconnect = false;
        BufferSettings buffers = BufferSettings.forUnit(options.mbufSize());
        ServerReturns returns = new ServerReturns(
                config.poolsInFileOrder().stream().map(pool -> pool.servers().size()).toList());
        for (PoolConfig pool : config.poolsInFileOrder()) {
            ServerPool serverPool = pool.routing(options.hashes(), options.distributions())
                    .listener(new EjectionLog(pool.name(), routing.size(), returns))
                    .build();
            routing.add(serverPool);
            Protocol protocol = options.protocols().get(pool.redis() ? "redis" : "memcache");
            ProtocolSettings settings = ProtocolSettings.defaults()
                    .withPassword(pool.redisAuth())
                    .withDatabase(pool.redisDb())
                    .withMaxValueLength(options.maxValueLength());
            PoolRuntime runtime = new PoolRuntime(pools.size(), pool.name(), protocol, settings, serverPool,
                    pool.hasTimeout() ? pool.timeoutMillis() : 0, pool.serverConnections(),
                    pool.clientConnections(), transport, buffers);
            runtime.tls = PoolTls.load(pool, runtime.servers());
            runtime.serverSettings = serverSettings(pool, runtime.servers(), settings);
            pools.add(runtime);
            var listen = pool.listen();
            listeners.add(new ProxyServer.Listener(listen.host(), listen.port(), listen.unixPath(),
                    listen.permissions(), pool.backlog(), pool.tcpKeepalive()));
            preconnect |= pool.preconnect();
        }
        if (pools.stream().anyMatch(pool -> pool.tls != PoolTls.PLAIN)) {
            log.info("TLS engine: {}", SslContexts.provider().name().toLowerCase(java.util.Locale.ROOT));
        }
        boolean admin = options.adminAddress() != null;
        ProxyServer server = new ProxyServer(pools, listeners, transport, options.threads(), admin);
        server.start(preconnect);
        StatsServer stats = null;
        if (options.statsAddress() != null) {
            try {
                stats = new StatsServer(server, options.statsAddress(), options.statsPort(),
                        options.statsIntervalMillis());
            } catch (IOException e) {
                server.close();
                throw e;
            }
        }
        Proxy proxy = new Proxy(server, stats, routing, returns);
        if (admin) {
            try {
                proxy.admin = AdminServer.start(proxy, options.adminAddress(), options.adminPort());
            } catch (IOException e) {
                proxy.close();
                throw new IOException("cannot listen on " + options.adminAddress() + ":" + options.adminPort()
                        + " for the admin port: " + e.getMessage(), e);
            }
            log.info("admin port listening on {}", proxy.admin.address());
        }
        log.info("nutjar started: {} pool(s), {} event loop(s), {} transport, mbuf size {}", pools.size(),
                options.threads(), transport.name().toLowerCase(java.util.Locale.ROOT), options.mbufSize());
        return proxy;
    }

    /** Where the admin port listens, as bound; null without one. */
    public java.net.InetSocketAddress adminAddress() {
        AdminServer running = admin;
        return running == null ? null : running.address();
    }

    /** Every counter now, summed over the event loops: what {@code /metrics} writes. */
    public MetricsSnapshot metrics() {
        return MetricsCollector.snapshot(server, returns);
    }

    /** Whether every listener is bound and the proxy is not draining: what {@code /ready} answers. */
    public boolean ready() {
        return server.ready();
    }

    /** Whether {@link #drain()} was called. */
    public boolean draining() {
        return server.draining();
    }

    /**
     * Stops accepting and closes each client once what it sent is answered; returns at once. The
     * proxy may then be stopped: {@link #idle()} tells when no request is in flight.
     */
    public void drain() {
        server.drain();
    }

    /** Whether no request waits for a server's reply. */
    public boolean idle() {
        return server.idle();
    }

    /** Each server's settings: the pool's, with the credentials it is sent (redis_server_auth, server_options). */
    private static ProtocolSettings[] serverSettings(PoolConfig pool, List<ServerSpec> servers,
            ProtocolSettings settings) {
        ProtocolSettings[] each = new ProtocolSettings[servers.size()];
        for (int i = 0; i < each.length; i++) {
            ServerSpec server = servers.get(i);
            each[i] = settings.withServerCredentials(pool.serverUsername(server), pool.serverPassword(server));
        }
        return each;
    }

    /**
     * Builds again, now, every TLS context whose certificate files changed since they were
     * loaded, rather than at the next once-a-second check; for a configuration reload. New
     * connections use the new certificates, open ones keep theirs.
     */
    public void reloadCertificates() {
        for (PoolRuntime pool : server.pools()) {
            pool.tls.refresh();
        }
    }

    /** The stats port bound, or -1 without a stats listener. */
    public int statsPort() {
        return stats == null ? -1 : stats.port();
    }

    /** The current stats document, as the stats port would serve it now. */
    public String statsDocument() {
        return stats != null ? stats.document() : StatsReport.render(server, "localhost", System.currentTimeMillis());
    }

    /**
     * The address each pool listens on, in file order, as bound: a {@code listen: 127.0.0.1:0}
     * pool's shows the port the system chose. An {@link java.net.InetSocketAddress} for TCP, a
     * Netty {@code DomainSocketAddress} for a unix socket.
     */
    public List<java.net.SocketAddress> listenAddresses() {
        return server.boundAddresses();
    }

    /** The routing of each pool, in file order. */
    public List<ServerPool> routing() {
        return routing;
    }

    /** Stops accepting, lets requests in flight finish for up to {@code graceMillis}, then closes all. */
    public void shutdown(long graceMillis) {
        if (stats != null) {
            stats.close();
        }
        AdminServer running = admin;
        if (running != null) {
            running.close();
        }
        server.shutdown(graceMillis);
    }

    @Override
    public void close() {
        shutdown(0);
    }

    /** Logs every ejection and return. */
    private record EjectionLog(String pool, int poolId, ServerReturns returns) implements ServerPool.Listener {
        @Override
        public void serverEjected(ServerPool serverPool, int server) {
            log.warn("pool '{}': server '{}' ejected after {} consecutive failures; {} of {} servers live", pool,
                    serverPool.server(server).name(), serverPool.serverFailureLimit(), serverPool.liveServerCount(),
                    serverPool.servers().size());
        }

        @Override
        public void serverReturned(ServerPool serverPool, int server) {
            returns.returned(poolId, server);
            log.warn("pool '{}': server '{}' is back on the ring", pool, serverPool.server(server).name());
        }
    }
}
