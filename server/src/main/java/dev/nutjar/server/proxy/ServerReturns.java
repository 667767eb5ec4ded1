package dev.nutjar.server.proxy;

import java.util.Arrays;

/**
 * Per pool and server, how often an ejected server came back on the ring. Rare, so it locks; it
 * grows as a reload adds pools or servers, and a server index counts from the generation in use.
 */
final class ServerReturns {
    private long[][] returns = new long[0][];

    synchronized void returned(int poolId, int server) {
        if (poolId >= returns.length) {
            returns = Arrays.copyOf(returns, poolId + 1);
        }
        long[] pool = returns[poolId];
        if (pool == null || server >= pool.length) {
            pool = pool == null ? new long[server + 1] : Arrays.copyOf(pool, server + 1);
            returns[poolId] = pool;
        }
        pool[server]++;
    }

    synchronized long of(int poolId, int server) {
        if (poolId >= returns.length || returns[poolId] == null || server >= returns[poolId].length) {
            return 0;
        }
        return returns[poolId][server];
    }
}
