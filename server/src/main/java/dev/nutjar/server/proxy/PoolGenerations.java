package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Protocol;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.cluster.ClusterProbe;
import dev.nutjar.server.cluster.ClusterTopology;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.config.ReadFrom;
import dev.nutjar.server.tls.NodeTls;
import dev.nutjar.server.tls.PoolTls;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a pool's generation from its configuration, at start and at a reload: its routing,
 * protocol, TLS, per-server credentials, and the watchers a cluster or Sentinel pool needs; and
 * stops those watchers when the generation is done.
 */
final class PoolGenerations {
    /** Under Proxy's name, as before these lines moved here: log filters keep working. */
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    /** How often a cluster pool's slot map is refreshed when nothing prompts it. */
    static final long CLUSTER_REFRESH_MILLIS = 1000;

    private final Proxy.Options options;
    private final Transport transport;
    private final ServerReturns returns;

    PoolGenerations(Proxy.Options options, Transport transport, ServerReturns returns) {
        this.options = options;
        this.transport = transport;
        this.returns = returns;
    }

    ServerReturns returns() {
        return returns;
    }

    /**
     * One generation of a pool: its routing (taking over the liveness of {@code previous}'s
     * servers that stay, when given), protocol and connection settings.
     */
    PoolRuntime build(int id, PoolConfig pool, AtomicInteger clients, PoolRuntime previous) throws IOException {
        ServerPool.Builder routing = pool.routing(options.hashes(), options.distributions())
                .listener(new EjectionLog(pool.name(), id, returns));
        if (previous != null) {
            routing.inheritLiveness(previous.routing);
        }
        Protocol protocol = options.protocols().get(pool.redis() ? "redis" : "memcache");
        ProtocolSettings settings = ProtocolSettings.defaults()
                .withPassword(pool.redisAuth())
                .withDatabase(pool.redisDb())
                .withMaxValueLength(options.maxValueLength());
        PoolRuntime runtime = new PoolRuntime(id, pool.name(), protocol, settings, routing.build(),
                pool.hasTimeout() ? pool.timeoutMillis() : 0, pool.serverConnections(), pool.clientConnections(),
                transport, BufferSettings.forUnit(options.mbufSize()), clients);
        runtime.tls = PoolTls.load(pool, runtime.servers());
        runtime.serverSettings = serverSettings(pool, runtime.servers(), settings);
        if (pool.redisCluster()) {
            runtime.cluster = clusterTopology(pool, runtime.tls.nodes());
            runtime.readFrom = pool.readFrom();
            ServerSpec first = pool.servers().get(0);
            runtime.nodeSettings = settings.withServerCredentials(pool.serverUsername(first),
                    pool.serverPassword(first));
        }
        SentinelPools.watch(runtime, pool, previous);
        runtime.description = new PoolDescription(runtime, pool.allowCommands());
        runtime.maxDedicated = pool.dedicatedConnections();
        if (previous != null) {
            runtime.dedicated = previous.dedicated;
        }
        return runtime;
    }

    /**
     * A pool generation is replaced, removed or never served: a cluster pool's slot map is no longer
     * refreshed, a Sentinel pool's watch closes.
     */
    static void stop(PoolRuntime pool) {
        if (pool != null && pool.cluster != null) {
            pool.cluster.close();
        }
        SentinelPools.stop(pool);
    }

    /** Where a pool listens, as its configuration says. */
    static ProxyServer.Listener listener(PoolConfig pool) {
        var listen = pool.listen();
        return new ProxyServer.Listener(listen.host(), listen.port(), listen.unixPath(), listen.permissions(),
                pool.backlog(), pool.tcpKeepalive());
    }

    /**
     * A cluster pool's slot map, learnt from its seed nodes now (or later, when none answers).
     *
     * @param tls TLS to the nodes, or null for plain text
     */
    private static ClusterTopology clusterTopology(PoolConfig pool, NodeTls tls) {
        ServerSpec first = pool.servers().get(0);
        ClusterProbe probe = new ClusterProbe(pool.hasTimeout() ? Math.min(pool.timeoutMillis(), 2000) : 2000,
                pool.serverUsername(first), pool.serverPassword(first), tls);
        List<NodeAddress> seeds = pool.servers().stream().filter(s -> !s.isUnix())
                .map(s -> new NodeAddress(s.host(), s.port())).toList();
        ClusterTopology topology = new ClusterTopology(pool.name(), seeds, probe, CLUSTER_REFRESH_MILLIS,
                pool.readFrom() != ReadFrom.MASTER);
        topology.start();
        return topology;
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
