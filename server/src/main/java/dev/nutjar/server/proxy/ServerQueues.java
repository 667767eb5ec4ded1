package dev.nutjar.server.proxy;

import dev.nutjar.server.stats.ServerStat;

/**
 * One backend connection's share of its server's request stats: {@code requests}, and the
 * {@code in_queue} (waiting in the proxy to be sent) and {@code out_queue} (sent, awaiting a
 * reply) with their bytes. A request joins the in_queue when queued on the connection, moves to
 * the out_queue when the connection is flushed, and leaves when answered or lost.
 */
final class ServerQueues {
    private final LoopCounters counters;
    private final int poolId;
    /** The server's index in its pool's current generation; -1 once its connection is retired. */
    private int server;
    /** The requests queued since the last flush, and their bytes. */
    private int unsent;
    private long unsentBytes;

    ServerQueues(LoopCounters counters, int poolId, int server) {
        this.counters = counters;
        this.poolId = poolId;
        this.server = server;
    }

    /** A request of {@code bytes} that expects a reply is queued. */
    void queued(int bytes) {
        sentWithoutReply(bytes);
        count(ServerStat.IN_QUEUE, 1);
        count(ServerStat.IN_QUEUE_BYTES, bytes);
        unsent++;
        unsentBytes += bytes;
    }

    /** A request of {@code bytes} that gets no reply (memcached noreply) is queued: counted as sent only. */
    void sentWithoutReply(int bytes) {
        count(ServerStat.REQUESTS, 1);
        count(ServerStat.REQUEST_BYTES, bytes);
    }

    /** The connection was flushed: every request queued since goes from the in_queue to the out_queue. */
    void flushed() {
        if (unsent == 0) {
            return;
        }
        count(ServerStat.IN_QUEUE, -unsent);
        count(ServerStat.IN_QUEUE_BYTES, -unsentBytes);
        count(ServerStat.OUT_QUEUE, unsent);
        count(ServerStat.OUT_QUEUE_BYTES, unsentBytes);
        unsent = 0;
        unsentBytes = 0;
    }

    /** The reply to a request of {@code requestBytes} was read. */
    void answered(int requestBytes) {
        count(ServerStat.OUT_QUEUE, -1);
        count(ServerStat.OUT_QUEUE_BYTES, -requestBytes);
    }

    /** The connection broke with {@code requests} requests of {@code bytes} on it, sent or not. */
    void lost(int requests, long bytes) {
        count(ServerStat.IN_QUEUE, -unsent);
        count(ServerStat.IN_QUEUE_BYTES, -unsentBytes);
        count(ServerStat.OUT_QUEUE, -(requests - unsent));
        count(ServerStat.OUT_QUEUE_BYTES, -(bytes - unsentBytes));
        unsent = 0;
        unsentBytes = 0;
    }

    /** A reload moved the server to index {@code server} of the pool's new generation. */
    void movedTo(int server) {
        this.server = server;
    }

    /** The connection no longer serves the pool: nothing it does is counted any more. */
    void detach() {
        this.server = -1;
    }

    private void count(ServerStat stat, long delta) {
        if (server < 0) {
            return;
        }
        counters.addServer(poolId, server, stat, delta);
    }
}
