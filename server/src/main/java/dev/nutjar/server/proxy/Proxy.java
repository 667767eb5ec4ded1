package dev.nutjar.server.proxy;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.protocol.Protocol;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.admin.AdminServer;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.metrics.MetricsSnapshot;
import dev.nutjar.server.tls.PoolTls;
import dev.nutjar.server.tls.SslContexts;
import dev.nutjar.spi.ProviderRegistry;
import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.reload.ReloadResult;
import dev.nutjar.server.stats.ProcessStat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy built from a configuration: the pools' listeners, the event loops and the
 * stats port. {@link #close()} stops it.
 *
 * <p>This class starts and stops the parts and is the face the runner, the admin port and
 * embedders see; a pool's generation is built by {@code PoolGenerations}, a reload decided by
 * {@code Reloader} and applied by {@code ReloadSteps}.
 */
public final class Proxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    private final ProxyServer server;
    private final StatsServer stats;
    private final ServerReturns returns;
    private final Reloader reloader;
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

    private Proxy(ProxyServer server, StatsServer stats, NutjarConfig config, Options options,
            PoolGenerations generations) {
        this.server = server;
        this.stats = stats;
        this.returns = generations.returns();
        this.reloader = new Reloader(server, generations, options, config);
    }

    /** Builds every pool, binds every listener and the stats port, and starts serving. */
    public static Proxy start(NutjarConfig config, Options options) throws IOException {
        List<PoolRuntime> pools = new ArrayList<>();
        List<ProxyServer.Listener> listeners = new ArrayList<>();
        Transport transport = Transport.best();
        boolean preconnect = false;
        PoolGenerations generations = new PoolGenerations(options, transport, new ServerReturns());
        try {
            for (PoolConfig pool : config.poolsInFileOrder()) {
                pools.add(generations.build(pools.size(), pool, new AtomicInteger(), null));
                listeners.add(PoolGenerations.listener(pool));
                preconnect |= pool.preconnect();
            }
        } catch (IOException | RuntimeException e) {
            pools.forEach(PoolGenerations::stop);
            throw e;
        }
        if (pools.stream().anyMatch(pool -> pool.tls != PoolTls.PLAIN)) {
            log.info("TLS engine: {}", SslContexts.provider().name().toLowerCase(java.util.Locale.ROOT));
        }
        boolean admin = options.adminAddress() != null;
        ProxyServer server = new ProxyServer(pools, listeners, transport, options.threads(), admin);
        pools.forEach(pool -> SentinelPools.follow(server, pool));
        try {
            server.start(preconnect);
        } catch (IOException e) {
            pools.forEach(PoolGenerations::stop);
            throw e;
        }
        StatsServer stats = null;
        if (options.statsAddress() != null) {
            try {
                stats = new StatsServer(server, options.statsAddress(), options.statsPort(),
                        options.statsIntervalMillis());
            } catch (IOException e) {
                server.close();
                pools.forEach(PoolGenerations::stop);
                throw e;
            }
        }
        Proxy proxy = new Proxy(server, stats, config, options, generations);
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

    // ---------------------------------------------------------------- reload

    /**
     * Where {@link #reload(boolean)} reads the configuration again: the file the proxy started
     * from, usually. Without one, only {@link #reload(NutjarConfig, boolean)} reloads.
     */
    public void reloadFrom(ConfigSource source) {
        reloader.reloadFrom(source);
    }

    /** Reads a configuration anew, validated in full. */
    @FunctionalInterface
    public interface ConfigSource {
        /** @throws ConfigException with every error, each with its line as {@code -t} prints it */
        NutjarConfig load() throws ConfigException;
    }

    /**
     * Reads the configuration again from its {@link #reloadFrom source} and applies it; see
     * {@link #reload(NutjarConfig, boolean)}. An invalid file changes nothing: its errors are logged
     * and returned, and {@code reload_failures} rises. Safe from any thread but an event loop's.
     *
     * @param force apply even when a pool would move more keys than its {@code max_move_fraction}
     */
    public ReloadResult reload(boolean force) {
        return reloader.reload(force);
    }

    /**
     * Applies {@code next}, pool by pool: an unchanged pool is untouched; a changed pool moves to a
     * new immutable generation on every event loop (requests already routed finish where they were
     * sent; servers that stay keep their connections, liveness and counters; removed servers'
     * connections close once answered); a new pool starts listening; a removed pool stops
     * accepting, answers its clients' requests in flight, then closes them; a new listen address is
     * opened before the old one closes. Clients of pools that stay are never closed. If a listener
     * cannot be bound, or a pool would move more keys than its {@code max_move_fraction} and
     * {@code force} is false, nothing changes. One reload at a time.
     */
    public ReloadResult reload(NutjarConfig next, boolean force) {
        return reloader.reload(next, force);
    }

    /** {@code stat} of the whole process. */
    public long processStat(ProcessStat stat) {
        return switch (stat) {
            case RELOADS -> reloader.reloads();
            case RELOAD_FAILURES -> reloader.failures();
        };
    }

    /** The configuration serving now: the last one a reload applied, or the one started with. */
    public NutjarConfig config() {
        return reloader.config();
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

    /** The routing of each pool, in file order: each pool's current generation. */
    public List<ServerPool> routing() {
        return server.pools().stream().map(pool -> pool.routing).toList();
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
        for (PoolRuntime pool : server.pools()) {
            PoolGenerations.stop(pool);
        }
    }

    @Override
    public void close() {
        shutdown(0);
    }
}
