package dev.nutjar.server.proxy;

import io.netty.channel.EventLoop;
import java.util.ArrayList;

/**
 * What one event loop owns: its connections to every backend and the list of connections
 * written to in the current loop iteration.
 *
 * <p>Writes are not flushed per request nor per client read: a connection written to is queued
 * here and one task, run by the loop after it has processed every ready socket, flushes them all.
 * So the requests of many clients read in one iteration leave for a backend in one syscall.
 * Replies do not wait that long: the clients a backend read answered are flushed as soon as that
 * read is processed ({@link #flushReplies}), which costs no extra syscall for a client waiting
 * on one reply and keeps it from waiting for every other socket of the iteration.
 */
final class LoopState {
    final EventLoop loop;
    private final BackendConnection[][][] backends;
    private final int[][] nextConnection;
    private final ArrayList<Flushable> toFlush = new ArrayList<>();
    private final ArrayList<Flushable> repliesToFlush = new ArrayList<>();
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushAll;
    final LoopCounters counters;

    LoopState(EventLoop loop, PoolRuntime[] pools) {
        this.loop = loop;
        this.backends = new BackendConnection[pools.length][][];
        this.nextConnection = new int[pools.length][];
        this.counters = new LoopCounters(pools);
        for (PoolRuntime pool : pools) {
            int servers = pool.serverCount();
            backends[pool.id] = new BackendConnection[servers][];
            nextConnection[pool.id] = new int[servers];
            for (int s = 0; s < servers; s++) {
                BackendConnection[] conns = new BackendConnection[pool.serverConnections];
                for (int c = 0; c < conns.length; c++) {
                    conns[c] = new BackendConnection(pool, s, this);
                }
                backends[pool.id][s] = conns;
            }
        }
    }

    /** A connection to {@code server} of {@code pool}, round-robin over server_connections. */
    BackendConnection backend(PoolRuntime pool, int server) {
        BackendConnection[] conns = backends[pool.id][server];
        if (conns.length == 1) {
            return conns[0];
        }
        int[] next = nextConnection[pool.id];
        int i = next[server];
        next[server] = i + 1 == conns.length ? 0 : i + 1;
        return conns[i];
    }

    BackendConnection[] connections(PoolRuntime pool, int server) {
        return backends[pool.id][server];
    }

    /** Queues {@code connection} to be flushed at the end of this loop iteration. */
    void flushLater(Flushable connection) {
        queue(connection, toFlush);
    }

    /**
     * Queues a client's replies to be flushed after the backend read being processed, or at the end
     * of this loop iteration, whichever comes first.
     */
    void flushRepliesLater(Flushable client) {
        queue(client, repliesToFlush);
    }

    /** Flushes the clients queued by {@link #flushRepliesLater}; called when a backend read is done. */
    void flushReplies() {
        flush(repliesToFlush);
    }

    private void queue(Flushable connection, ArrayList<Flushable> list) {
        if (connection.flushQueued) {
            return;
        }
        connection.flushQueued = true;
        list.add(connection);
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushAll() {
        // A client resumed by a reply flush can queue backend writes: replies first.
        flush(repliesToFlush);
        flush(toFlush);
        flush(repliesToFlush);
        flushScheduled = false;
    }

    private static void flush(ArrayList<Flushable> list) {
        // Flushing can queue more connections (a client resumed by writability); the index loop sees them.
        for (int i = 0; i < list.size(); i++) {
            Flushable connection = list.get(i);
            connection.flushQueued = false;
            connection.flushNow();
        }
        list.clear();
    }

    /** Closes every backend connection of this loop. */
    void closeBackends() {
        for (BackendConnection[][] pool : backends) {
            for (BackendConnection[] server : pool) {
                for (BackendConnection conn : server) {
                    conn.close();
                }
            }
        }
    }
}
