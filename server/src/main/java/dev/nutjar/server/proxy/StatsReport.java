package dev.nutjar.server.proxy;

import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;

/**
 * The stats document, in nutcracker 0.5's exact JSON layout and field names (its separators are
 * irregular, and monitoring scripts parse them as they are): twemproxy's stats of
 * {@link PoolStat} and {@link ServerStat}, in table order.
 */
final class StatsReport {
    private static final PoolStat[] POOL_STATS = PoolStat.values();
    private static final ServerStat[] SERVER_STATS = ServerStat.values();

    private StatsReport() {}

    /** Sums every loop's counters into one document, ending with a line feed. */
    static String render(ProxyServer server, String source, long nowMillis) {
        StringBuilder json = new StringBuilder(1024);
        long uptime = (nowMillis - server.startedAtMillis()) / 1000;
        long currConnections = server.listenerCount();
        long totalConnections = server.listenerCount();
        var pools = server.pools();
        // By pool id: a reload leaves gaps where removed pools were.
        int ids = 0;
        for (PoolRuntime pool : pools) {
            ids = Math.max(ids, pool.id + 1);
        }
        long[][] poolSums = new long[ids][LoopCounters.POOL_FIELDS];
        long[][] serverSums = new long[ids][];
        for (PoolRuntime pool : pools) {
            serverSums[pool.id] = new long[pool.serverCount() * LoopCounters.SERVER_FIELDS];
        }
        for (LoopState loop : server.loops()) {
            // Read once: a reload may replace them meanwhile; a moment-old copy is fine.
            long[][] poolCounters = loop.counters.pool;
            long[][] serverCounters = loop.counters.server;
            for (PoolRuntime pool : pools) {
                if (pool.id < poolCounters.length && pool.id < serverCounters.length) {
                    add(poolSums[pool.id], poolCounters[pool.id]);
                    add(serverSums[pool.id], serverCounters[pool.id]);
                }
            }
        }
        for (PoolRuntime pool : pools) {
            long[] p = poolSums[pool.id];
            currConnections += p[PoolStat.CLIENT_CONNECTIONS.ordinal()];
            totalConnections += p[PoolStat.CLIENTS_ACCEPTED.ordinal()];
            long[] s = serverSums[pool.id];
            for (int i = 0; i < pool.serverCount(); i++) {
                currConnections += s[i * LoopCounters.SERVER_FIELDS + ServerStat.SERVER_CONNECTIONS.ordinal()];
                totalConnections += s[i * LoopCounters.SERVER_FIELDS + ServerStat.CONNECTS.ordinal()];
            }
        }
        json.append("{\"service\":\"nutcracker\", \"source\":\"").append(source)
                .append("\", \"version\":\"0.5.0\", \"uptime\":").append(uptime)
                .append(", \"timestamp\":").append(nowMillis / 1000)
                .append(", \"total_connections\":").append(totalConnections)
                .append(", \"curr_connections\":").append(currConnections);
        boolean firstPool = true;
        for (PoolRuntime pool : server.poolsInStatsOrder()) {
            long[] p = poolSums[pool.id];
            json.append(firstPool ? ", \"" : ",\"").append(pool.name).append("\": {");
            firstPool = false;
            for (PoolStat stat : POOL_STATS) {
                if (stat.stat().twemproxy()) {
                    json.append('"').append(stat.stat().name()).append("\":").append(value(pool, p, stat))
                            .append(", ");
                }
            }
            long[] s = serverSums[pool.id];
            for (int i = 0; i < pool.serverCount(); i++) {
                if (i > 0) {
                    json.append(',');
                }
                json.append('"').append(pool.serverName(i)).append("\": {");
                boolean firstField = true;
                for (ServerStat stat : SERVER_STATS) {
                    if (stat.stat().twemproxy()) {
                        if (!firstField) {
                            json.append(", ");
                        }
                        firstField = false;
                        json.append('"').append(stat.stat().name()).append("\":").append(value(pool, s, i, stat));
                    }
                }
                json.append('}');
            }
            json.append('}');
        }
        json.append("}\n");
        return json.toString();
    }

    /** {@code stat} of {@code pool}, from the loops' sums or from its routing. */
    static long value(PoolRuntime pool, long[] sums, PoolStat stat) {
        if (stat.stat().counted()) {
            return sums[stat.ordinal()];
        }
        ServerPool routing = pool.routing;
        return switch (stat) {
            case SERVER_EJECTS -> routing.ejectionCount();
            default -> throw new IllegalStateException("no source for " + stat);
        };
    }

    /** {@code stat} of server {@code server} of {@code pool}, from the loops' sums or from its routing. */
    static long value(PoolRuntime pool, long[] sums, int server, ServerStat stat) {
        if (stat.stat().counted()) {
            return sums[server * LoopCounters.SERVER_FIELDS + stat.ordinal()];
        }
        ServerPool routing = pool.routing;
        return switch (stat) {
            case SERVER_EJECTED_AT -> routing.lastEjectedAtMicros(server);
            default -> throw new IllegalStateException("no source for " + stat);
        };
    }

    private static void add(long[] sum, long[] values) {
        if (values == null) {
            return;
        }
        // A reload may have resized the loop's array after the pool list was read.
        for (int i = 0; i < Math.min(sum.length, values.length); i++) {
            sum[i] += values[i];
        }
    }
}
