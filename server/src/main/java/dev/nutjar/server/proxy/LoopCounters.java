package dev.nutjar.server.proxy;

import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import dev.nutjar.server.stats.StatKind;
import java.util.Arrays;

/**
 * One event loop's share of the stats counters, by the ordinals of {@link PoolStat} and
 * {@link ServerStat}. Written only by its loop, without synchronisation; the stats thread sums
 * all loops' counters and may read a value a moment old. A reload replaces a pool's arrays on
 * the loop ({@link #installPool}); a reader may see the previous ones, a moment old too.
 */
final class LoopCounters {
    static final int POOL_FIELDS = PoolStat.values().length;
    static final int SERVER_FIELDS = ServerStat.values().length;

    /** [pool][stat]; a removed pool's stay, unread: a late close may still count in them. */
    long[][] pool;
    /** [pool][server * SERVER_FIELDS + stat] */
    long[][] server;

    LoopCounters(PoolRuntime[] pools) {
        pool = new long[0][];
        server = new long[0][];
        for (PoolRuntime p : pools) {
            installPool(p, null, false);
        }
    }

    /**
     * Makes room for {@code next}'s counters. A server that stays ({@code previousIndex[s] >= 0}) keeps
     * its counters; its gauges too when its connections are kept, else they start again from 0 with
     * its new connections, the old ones being no longer counted.
     *
     * @param previousIndex per server of {@code next}, its index in the pool's previous generation,
     *     or -1; null for a new pool
     */
    void installPool(PoolRuntime next, int[] previousIndex, boolean keepGauges) {
        int id = next.id;
        if (id >= pool.length) {
            pool = Arrays.copyOf(pool, id + 1);
            server = Arrays.copyOf(server, id + 1);
        }
        if (pool[id] == null) {
            pool[id] = new long[POOL_FIELDS];
        }
        long[] before = server[id];
        long[] after = new long[next.serverCount() * SERVER_FIELDS];
        if (before != null && previousIndex != null) {
            for (int s = 0; s < previousIndex.length; s++) {
                int o = previousIndex[s];
                if (o < 0) {
                    continue;
                }
                for (ServerStat stat : ServerStat.values()) {
                    if (keepGauges || stat.stat().kind() != StatKind.GAUGE) {
                        after[s * SERVER_FIELDS + stat.ordinal()] = before[o * SERVER_FIELDS + stat.ordinal()];
                    }
                }
            }
        }
        server[id] = after;
    }

    void addPool(int poolId, PoolStat stat, long delta) {
        pool[poolId][stat.ordinal()] += delta;
    }

    void addServer(int poolId, int serverIndex, ServerStat stat, long delta) {
        server[poolId][serverIndex * SERVER_FIELDS + stat.ordinal()] += delta;
    }
}
