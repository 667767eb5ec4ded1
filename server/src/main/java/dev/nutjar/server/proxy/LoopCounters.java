package dev.nutjar.server.proxy;

import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;

/**
 * One event loop's share of the stats counters, by the ordinals of {@link PoolStat} and
 * {@link ServerStat}. Written only by its loop, without synchronisation; the stats thread sums
 * all loops' counters and may read a value a moment old.
 */
final class LoopCounters {
    static final int POOL_FIELDS = PoolStat.values().length;
    static final int SERVER_FIELDS = ServerStat.values().length;

    /** [pool][stat] */
    final long[][] pool;
    /** [pool][server * SERVER_FIELDS + stat] */
    final long[][] server;

    LoopCounters(PoolRuntime[] pools) {
        pool = new long[pools.length][POOL_FIELDS];
        server = new long[pools.length][];
        for (PoolRuntime p : pools) {
            server[p.id] = new long[p.serverCount() * SERVER_FIELDS];
        }
    }

    void addPool(int poolId, PoolStat stat, long delta) {
        pool[poolId][stat.ordinal()] += delta;
    }

    void addServer(int poolId, int serverIndex, ServerStat stat, long delta) {
        server[poolId][serverIndex * SERVER_FIELDS + stat.ordinal()] += delta;
    }
}
