package dev.nutjar.server.proxy;

/**
 * One event loop's share of the twemproxy stats counters. Written only by its loop, without
 * synchronisation; the stats thread sums all loops' counters and may read a value a moment old.
 */
final class LoopCounters {
    static final int CLIENT_EOF = 0;
    static final int CLIENT_ERR = 1;
    static final int CLIENT_CONNECTIONS = 2;
    static final int FORWARD_ERROR = 3;
    static final int FRAGMENTS = 4;
    /** Every client ever accepted: part of total_connections. */
    static final int CLIENTS_ACCEPTED = 5;
    static final int POOL_FIELDS = 6;

    static final int SERVER_EOF = 0;
    static final int SERVER_ERR = 1;
    static final int SERVER_TIMEDOUT = 2;
    static final int SERVER_CONNECTIONS = 3;
    static final int REQUESTS = 4;
    static final int REQUEST_BYTES = 5;
    static final int RESPONSES = 6;
    static final int RESPONSE_BYTES = 7;
    static final int IN_QUEUE = 8;
    static final int IN_QUEUE_BYTES = 9;
    static final int OUT_QUEUE = 10;
    static final int OUT_QUEUE_BYTES = 11;
    /** Every backend connection ever opened: part of total_connections. */
    static final int CONNECTS = 12;
    static final int SERVER_FIELDS = 13;

    /** [pool][field] */
    final long[][] pool;
    /** [pool][server * SERVER_FIELDS + field] */
    final long[][] server;

    LoopCounters(PoolRuntime[] pools) {
        pool = new long[pools.length][POOL_FIELDS];
        server = new long[pools.length][];
        for (PoolRuntime p : pools) {
            server[p.id] = new long[p.serverCount() * SERVER_FIELDS];
        }
    }

    void addPool(int poolId, int field, long delta) {
        pool[poolId][field] += delta;
    }

    void addServer(int poolId, int serverIndex, int field, long delta) {
        server[poolId][serverIndex * SERVER_FIELDS + field] += delta;
    }
}
