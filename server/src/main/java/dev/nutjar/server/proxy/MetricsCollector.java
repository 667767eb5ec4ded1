package dev.nutjar.server.proxy;

import dev.nutjar.server.metrics.LatencyBuckets;
import dev.nutjar.server.metrics.MetricsSnapshot;
import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sums every loop's counters and metrics into a {@link MetricsSnapshot}, on the caller's thread
 * (the admin port's): nothing on the request path waits for it.
 */
final class MetricsCollector {
    private static final PoolStat[] POOL_STATS = PoolStat.values();
    private static final ServerStat[] SERVER_STATS = ServerStat.values();
    /** How long a scrape waits for each loop to run its lag probe. */
    private static final long LAG_PROBE_WAIT_MILLIS = 1_000;

    private MetricsCollector() {}

    static MetricsSnapshot snapshot(ProxyServer server, ServerReturns returns) {
        long[] lag = loopLag(server);
        List<PoolRuntime> pools = server.pools();
        long total = server.listenerCount();
        long current = server.listenerCount();
        List<MetricsSnapshot.Pool> out = new ArrayList<>(pools.size());
        for (PoolRuntime pool : server.poolsInStatsOrder()) {
            long[] poolSums = new long[LoopCounters.POOL_FIELDS];
            long[] serverSums = new long[pool.serverCount() * LoopCounters.SERVER_FIELDS];
            long[] latency = new long[pool.serverCount() * LoopMetrics.SERVER_STRIDE];
            int commandSlots = pool.protocol.commands().size() + 1;
            long[] commandSums = null;
            for (LoopState loop : server.loops()) {
                add(poolSums, loop.counters.pool[pool.id]);
                add(serverSums, loop.counters.server[pool.id]);
                add(latency, loop.metrics.latency[pool.id]);
                long[] commands = loop.metrics.commands[pool.id];
                if (commandSums == null) {
                    commandSums = new long[commands.length];
                }
                add(commandSums, commands);
            }
            long[] requests = new long[commandSlots];
            long[] errors = new long[commandSlots];
            for (int i = 0; commandSums != null && i * 2 < commandSums.length && i < commandSlots; i++) {
                requests[i] = commandSums[i * 2];
                errors[i] = commandSums[i * 2 + 1];
            }
            long[] poolStats = new long[POOL_STATS.length];
            for (PoolStat stat : POOL_STATS) {
                poolStats[stat.ordinal()] = StatsReport.value(pool, poolSums, stat);
            }
            current += poolStats[PoolStat.CLIENT_CONNECTIONS.ordinal()];
            total += poolStats[PoolStat.CLIENTS_ACCEPTED.ordinal()];
            List<MetricsSnapshot.Server> servers = new ArrayList<>(pool.serverCount());
            for (int s = 0; s < pool.serverCount(); s++) {
                long[] stats = new long[SERVER_STATS.length];
                for (ServerStat stat : SERVER_STATS) {
                    stats[stat.ordinal()] = StatsReport.value(pool, serverSums, s, stat);
                }
                current += stats[ServerStat.SERVER_CONNECTIONS.ordinal()];
                total += stats[ServerStat.CONNECTS.ordinal()];
                int base = s * LoopMetrics.SERVER_STRIDE;
                long[] queued = new long[LatencyBuckets.COUNT];
                long[] atServer = new long[LatencyBuckets.COUNT];
                if (latency.length > 0) {
                    System.arraycopy(latency, base, queued, 0, LatencyBuckets.COUNT);
                    System.arraycopy(latency, base + LoopMetrics.AT_SERVER, atServer, 0, LatencyBuckets.COUNT);
                }
                long queuedSum = latency.length > 0 ? latency[base + LoopMetrics.QUEUED_SUM] : 0;
                long atServerSum = latency.length > 0 ? latency[base + LoopMetrics.AT_SERVER_SUM] : 0;
                servers.add(new MetricsSnapshot.Server(pool.serverName(s), stats, pool.routing.ejectionCount(s),
                        returns.of(pool.id, s), queued, queuedSum, atServer, atServerSum));
            }
            out.add(new MetricsSnapshot.Pool(pool.name, poolStats, pool.protocol.commands(), requests, errors,
                    List.copyOf(servers)));
        }
        long uptime = (System.currentTimeMillis() - server.startedAtMillis()) / 1000;
        return new MetricsSnapshot(uptime, total, current, List.copyOf(out), lag);
    }

    /** Per loop, how long a task submitted now waits before it runs: the loop's lag. */
    private static long[] loopLag(ProxyServer server) {
        List<Future<Long>> probes = new ArrayList<>();
        for (LoopState loop : server.loops()) {
            long submitted = System.nanoTime();
            probes.add(loop.loop.submit(() -> System.nanoTime() - submitted));
        }
        long[] lag = new long[probes.size()];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LAG_PROBE_WAIT_MILLIS);
        for (int i = 0; i < lag.length; i++) {
            long wait = Math.max(0, deadline - System.nanoTime());
            Future<Long> probe = probes.get(i);
            lag[i] = probe.awaitUninterruptibly(wait, TimeUnit.NANOSECONDS) && probe.isSuccess() ? probe.getNow() : -1;
        }
        return lag;
    }

    private static void add(long[] sum, long[] values) {
        for (int i = 0; i < values.length; i++) {
            sum[i] += values[i];
        }
    }
}
