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
import dev.nutjar.server.reload.ConfigDiff;
import dev.nutjar.server.reload.ReloadResult;
import dev.nutjar.server.stats.ProcessStat;
import io.netty.channel.Channel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy built from a configuration: the pools' listeners, the event loops and the
 * stats port. {@link #close()} stops it.
 *
 * <p>A pool's generation, at start and at a reload, is built by {@code PoolGenerations}; the
 * reload's steps ({@link #reload}) are the next thing to move into a class of their own. The
 * admin port's accessors only delegate.
 */
public final class Proxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    /** How long a removed pool's clients have to get their last replies before they are closed. */
    static final long REMOVED_POOL_GRACE_MILLIS = 5_000;

    private final ProxyServer server;
    private final StatsServer stats;
    private final Options options;
    private final PoolGenerations generations;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile NutjarConfig config;
    private volatile ConfigSource source;
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
        this.returns = generations.returns();
        this.server = server;
        this.stats = stats;
        this.config = config;
        this.options = options;
        this.generations = generations;
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
        this.source = source;
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
        ConfigSource from = source;
        if (from == null) {
            return refused(null, List.of("reload refused: the proxy was not started from a file"));
        }
        NutjarConfig next;
        try {
            next = from.load();
        } catch (ConfigException e) {
            List<String> lines = new ArrayList<>();
            for (String error : e.errors()) {
                lines.add(e.source() + ": " + error);
            }
            lines.add("reload refused: configuration '" + e.source() + "' has " + e.errors().size()
                    + " error(s); the running configuration is unchanged");
            return refused(null, lines);
        } catch (RuntimeException e) {
            return refused(null, List.of("reload refused: " + e + "; the running configuration is unchanged"));
        }
        return reload(next, force);
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
    public synchronized ReloadResult reload(NutjarConfig next, boolean force) {
        ConfigDiff diff;
        try {
            diff = ConfigDiff.between(config, next, options.hashes(), options.distributions());
        } catch (RuntimeException e) {
            return refused(null, List.of("reload refused: " + e.getMessage() + "; the running configuration is unchanged"));
        }
        List<String> lines = new ArrayList<>();
        for (ConfigDiff.PoolChange pool : diff.pools()) {
            if (pool.kind() != ConfigDiff.Kind.UNCHANGED) {
                for (String line : ConfigDiff.describe(pool)) {
                    lines.add("reload: " + line);
                    log.info("reload: {}", line);
                }
            }
        }
        List<ConfigDiff.PoolChange> over = diff.overGuard();
        if (!over.isEmpty() && !force) {
            List<String> names = over.stream().map(p -> p.name() + " (" + ConfigDiff.percent(p.movedFraction())
                    + " > max_move_fraction " + ConfigDiff.percent(p.after().maxMoveFraction()) + ")").toList();
            lines.add("reload refused: too many keys would move in " + String.join(", ", names)
                    + "; reload with --force to apply; the running configuration is unchanged");
            return refused(diff, lines);
        }
        try {
            apply(diff, next);
        } catch (IOException | RuntimeException e) {
            lines.add("reload refused: " + e.getMessage() + "; the running configuration is unchanged");
            return refused(diff, lines);
        }
        config = next;
        reloads.incrementAndGet();
        String outcome = diff.unchanged()
                ? "reload done: nothing changed"
                : "reload done: " + count(diff, ConfigDiff.Kind.CHANGED) + " pool(s) changed, "
                        + count(diff, ConfigDiff.Kind.ADDED) + " added, " + count(diff, ConfigDiff.Kind.REMOVED)
                        + " removed, " + count(diff, ConfigDiff.Kind.UNCHANGED) + " unchanged";
        log.info(outcome);
        lines.add(outcome);
        return new ReloadResult(true, Optional.of(diff), lines);
    }

    private static long count(ConfigDiff diff, ConfigDiff.Kind kind) {
        return diff.pools().stream().filter(p -> p.kind() == kind).count();
    }

    private ReloadResult refused(ConfigDiff diff, List<String> lines) {
        reloadFailures.incrementAndGet();
        // A diff's lines were logged as found; errors of the file were not.
        List<String> unlogged = diff == null ? lines : lines.subList(lines.size() - 1, lines.size());
        unlogged.forEach(log::error);
        return new ReloadResult(false, Optional.ofNullable(diff), lines);
    }

    /** The steps of a reload; bindings come first, so that a failure leaves everything as it was. */
    private void apply(ConfigDiff diff, NutjarConfig next) throws IOException {
        Map<String, ProxyServer.PoolSlot> slots = new HashMap<>();
        for (ProxyServer.PoolSlot slot : server.slots()) {
            slots.put(slot.name(), slot);
        }
        // 1. New generations and new pools, built but not yet serving: building can fail.
        Map<String, PoolRuntime> changed = new HashMap<>();
        List<ConfigDiff.PoolChange> added = new ArrayList<>();
        List<ConfigDiff.PoolChange> removed = new ArrayList<>();
        for (ConfigDiff.PoolChange pool : diff.pools()) {
            switch (pool.kind()) {
                case ADDED -> added.add(pool);
                case REMOVED -> removed.add(pool);
                case CHANGED -> {
                    if (pool.protocolChanged()) {
                        added.add(pool);
                        removed.add(pool);
                    } else {
                        PoolRuntime now = slots.get(pool.name()).current;
                        changed.put(pool.name(), generations.build(now.id, pool.after(),
                                now.sharedClientCount(), now));
                    }
                }
                case UNCHANGED -> { }
            }
        }
        // 2. Every new listener, before anything changes.
        Map<String, ProxyServer.PoolSlot> newSlots = new HashMap<>();
        Map<String, Channel> newChannels = new HashMap<>();
        try {
            for (ConfigDiff.PoolChange pool : added) {
                PoolRuntime runtime = generations.build(server.newPoolId(), pool.after(), new AtomicInteger(),
                        null);
                ProxyServer.PoolSlot slot = server.addPool(runtime, PoolGenerations.listener(pool.after()));
                newSlots.put(pool.name(), slot);
                if (pool.kind() == ConfigDiff.Kind.CHANGED) {
                    // Same name, new protocol: the old pool's address is freed first, so it cannot
                    // be opened before; its clients are drained as a removed pool's.
                    continue;
                }
                slot.channel = server.bind(slot, slot.listener);
            }
            for (ConfigDiff.PoolChange pool : diff.pools()) {
                if (pool.listenChanged() && !pool.protocolChanged()) {
                    ProxyServer.PoolSlot slot = slots.get(pool.name());
                    newChannels.put(pool.name(), server.bind(slot, PoolGenerations.listener(pool.after())));
                }
            }
        } catch (IOException | RuntimeException e) {
            changed.values().forEach(PoolGenerations::stop);
            for (ProxyServer.PoolSlot slot : newSlots.values()) {
                PoolGenerations.stop(slot.current);
                server.removePool(slot, 0);
            }
            for (Channel channel : newChannels.values()) {
                channel.close().syncUninterruptibly();
            }
            throw e;
        }
        // 3. Changed pools move to their new generation, loop by loop; then their new listeners take over.
        for (var entry : changed.entrySet()) {
            ProxyServer.PoolSlot slot = slots.get(entry.getKey());
            PoolRuntime now = slot.current;
            PoolRuntime nextGeneration = entry.getValue();
            ConfigDiff.PoolChange change = diff.pool(entry.getKey()).orElseThrow();
            server.replacePool(slot, nextGeneration, nextGeneration.routing.previousIndexes(now.routing),
                    !change.newConnections());
            SentinelPools.follow(server, nextGeneration);
            PoolGenerations.stop(now);
            ProxyServer.Listener listener = PoolGenerations.listener(change.after());
            Channel channel = newChannels.get(entry.getKey());
            if (channel != null) {
                Channel old = slot.channel;
                ProxyServer.Listener oldListener = slot.listener;
                slot.listener = listener;
                slot.channel = channel;
                old.close().syncUninterruptibly();
                server.drainClientsOf(slot, old);
                if (!oldListener.describe().equals(listener.describe())) {
                    ProxyServer.removeSocketFile(oldListener);
                }
                log.info("pool '{}' listening on {}; stopped listening on {}", entry.getKey(), listener.describe(),
                        oldListener.describe());
            } else {
                slot.listener = listener;
            }
            if (change.after().preconnect()) {
                server.preconnect(nextGeneration);
            }
        }
        // 4. Removed pools drain; 5. the new file order.
        for (ConfigDiff.PoolChange pool : removed) {
            PoolGenerations.stop(slots.get(pool.name()).current);
            server.removePool(slots.get(pool.name()), REMOVED_POOL_GRACE_MILLIS);
        }
        for (ConfigDiff.PoolChange pool : added) {
            ProxyServer.PoolSlot slot = newSlots.get(pool.name());
            SentinelPools.follow(server, slot.current);
            if (slot.channel == null) {
                slot.channel = server.bind(slot, slot.listener);
            }
            log.info("pool '{}' listening on {}", pool.name(), slot.listener.describe());
            if (pool.after().preconnect()) {
                server.preconnect(slot.current);
            }
        }
        List<ProxyServer.PoolSlot> order = new ArrayList<>();
        for (PoolConfig pool : next.poolsInFileOrder()) {
            ProxyServer.PoolSlot slot = newSlots.containsKey(pool.name()) ? newSlots.get(pool.name())
                    : slots.get(pool.name());
            order.add(slot);
        }
        server.slots(order);
    }

    /** {@code stat} of the whole process. */
    public long processStat(ProcessStat stat) {
        return switch (stat) {
            case RELOADS -> reloads.get();
            case RELOAD_FAILURES -> reloadFailures.get();
        };
    }

    /** The configuration serving now: the last one a reload applied, or the one started with. */
    public NutjarConfig config() {
        return config;
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
