package dev.nutjar.server.proxy;

import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What one event loop owns: its connections to every backend and the lists of connections
 * written to and not yet flushed.
 *
 * <p>Writes are not flushed per request nor per client read. A backend connection written to is
 * flushed after the loop's next poll, which does not block while one waits
 * ({@link DeferringIoHandler}): the requests of the clients ready in one poll and in the next
 * leave for a server in one syscall, and wake it once. A client connection written to is flushed
 * by one task, run by the loop after it has processed every ready socket. Replies wait less: the
 * clients a backend read answered are flushed as soon as that read is processed
 * ({@link #flushReplies}), which costs no extra syscall for a client waiting on one reply and
 * keeps it from waiting for every other socket of the iteration. A client still owed replies from
 * another backend waits up to one more iteration for them ({@link #flushRepliesDeferred}), so
 * that a pipeline spread over servers leaves in one write.
 */
final class LoopState {
    final EventLoop loop;
    private final BackendConnection[][][] backends;
    private final int[][] nextConnection;
    private final ArrayList<Flushable> toFlush = new ArrayList<>();
    private final ArrayList<Flushable> backendsToFlush = new ArrayList<>();
    private final DeferringIoHandler.Deferred backendWrites = new DeferringIoHandler.Deferred() {
        @Override
        public boolean owed() {
            return !backendsToFlush.isEmpty();
        }

        @Override
        public void run() {
            flush(backendsToFlush);
        }
    };
    private final ArrayList<Flushable> repliesToFlush = new ArrayList<>();
    /** Clients whose reply flush was deferred in this iteration, and in the one before. */
    private ArrayList<Flushable> deferredNow = new ArrayList<>();
    private ArrayList<Flushable> deferredBefore = new ArrayList<>();
    /** Runs every {@link #DEFERRED_FLUSH_BACKSTOP_NANOS} while flushes are deferred; else null. */
    private ScheduledFuture<?> backstop;
    private int idleBackstopTicks;
    /** Counts {@link #flushAll} runs, so that the backstop can tell a busy loop from a stalled one. */
    private int flushPasses;
    private int flushPassesAtLastTick;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushAll;
    private final Runnable backstopTask = this::backstopTick;
    final LoopCounters counters;
    /** Buffers kept for the connections' next write batches and reads. */
    final SpareBuffers spares;
    /**
     * Per pool, by id: client reads that go into {@link #spares} where they fit. Not for backend
     * connections: replies waiting their turn hold a backend's input, which then would not come
     * back, and the spares would run dry for the write batches.
     */
    private final RecvByteBufAllocator[] readAllocators;
    /** Per pool, by id: backend reads with room in front for the start of a reply cut by the last read. */
    private final RecvByteBufAllocator[] backendReadAllocators;
    /** Enough for a cut small reply (a status, a number, a short value); a longer one is copied as before. */
    static final int BACKEND_READ_HEADROOM = 512;
    /** While a client's decoder runs, and when it started: see {@link #nanoTime}. */
    private boolean decodingClient;
    private long decodeStartNanos;

    LoopState(EventLoop loop, PoolRuntime[] pools) {
        this.loop = loop;
        this.backends = new BackendConnection[pools.length][][];
        this.nextConnection = new int[pools.length][];
        this.counters = new LoopCounters(pools);
        int chunk = BufferSettings.DEFAULT_UNIT;
        for (PoolRuntime pool : pools) {
            chunk = Math.max(chunk, pool.buffers.chunkSize());
        }
        this.spares = new SpareBuffers(chunk);
        this.readAllocators = new RecvByteBufAllocator[pools.length];
        this.backendReadAllocators = new RecvByteBufAllocator[pools.length];
        for (PoolRuntime pool : pools) {
            readAllocators[pool.id] = ReadBufferAllocator.intoSpares(pool.recvAllocator, spares);
            backendReadAllocators[pool.id] = ReadBufferAllocator.withHeadroom(pool.recvAllocator, BACKEND_READ_HEADROOM);
        }
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

    /**
     * {@link System#nanoTime()}, read once per run of a client's decoder while one runs: the
     * requests of a pipeline share one reading of the clock for their deadlines. A timeout is
     * counted in milliseconds, and one run is bounded (ClientConnection's turn), so a deadline
     * comes at most that much early.
     */
    long nanoTime() {
        return decodingClient ? decodeStartNanos : System.nanoTime();
    }

    /** A client's input is being decoded: {@link #nanoTime} is now until {@link #clientDecodeDone}. */
    void clientDecodeStarts() {
        decodeStartNanos = System.nanoTime();
        decodingClient = true;
    }

    void clientDecodeDone() {
        decodingClient = false;
    }

    /** The read buffer allocator for this loop's client connections of {@code pool}. */
    RecvByteBufAllocator readAllocator(PoolRuntime pool) {
        return readAllocators[pool.id];
    }

    /** The read buffer allocator for this loop's connections to the servers of {@code pool}. */
    RecvByteBufAllocator backendReadAllocator(PoolRuntime pool) {
        return backendReadAllocators[pool.id];
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
     * Queues a backend connection to be flushed after the loop's next poll, by
     * {@link #backendWrites}; the loop's {@link DeferringIoHandler} must run them.
     */
    void flushBackendLater(Flushable backend) {
        add(backend, backendsToFlush);
    }

    /** The backend writes held for the loop's next poll: for the loop's {@link DeferringIoHandler}. */
    DeferringIoHandler.Deferred backendWrites() {
        return backendWrites;
    }

    /**
     * Queues a client's replies to be flushed after the backend read being processed, or at the end
     * of this loop iteration, whichever comes first.
     */
    void flushRepliesLater(Flushable client) {
        queue(client, repliesToFlush);
    }

    /**
     * Queues a client's replies, written while more of its replies are due, to be flushed at the
     * end of the next loop iteration, unless they all come first and {@link #flushRepliesLater}
     * takes it. A pipeline whose keys live on several servers is answered by reads from each,
     * which often fall into consecutive iterations: one write instead of one per read. Should no
     * next iteration come (a backend slow to answer), a periodic timer flushes it within two
     * periods of {@link #DEFERRED_FLUSH_BACKSTOP_NANOS}; the timer is one object, kept while flushes are
     * deferred and cancelled once they stop.
     */
    void flushRepliesDeferred(Flushable client) {
        if (client.deferQueued) {
            return;
        }
        client.deferQueued = true;
        deferredNow.add(client);
        runFlushTaskThisIteration();
    }

    /** The backstop timer's period: a deferred reply flush waits at most two of them. */
    static final long DEFERRED_FLUSH_BACKSTOP_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    /** Flushes the clients queued by {@link #flushRepliesLater}; called when a backend read is done. */
    void flushReplies() {
        flush(repliesToFlush);
    }

    private void queue(Flushable connection, ArrayList<Flushable> list) {
        if (add(connection, list)) {
            runFlushTaskThisIteration();
        }
    }

    /** Adds {@code connection} to {@code list} unless it is queued already; whether it was added. */
    private static boolean add(Flushable connection, ArrayList<Flushable> list) {
        if (connection.flushQueued) {
            return false;
        }
        connection.flushQueued = true;
        list.add(connection);
        return true;
    }

    private void runFlushTaskThisIteration() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushAll() {
        // Backend writes are not flushed here: they wait for the next poll (backendWrites).
        flush(repliesToFlush);
        flush(toFlush);
        flushDeferred(deferredBefore);
        flush(repliesToFlush);
        flushScheduled = false;
        flushPasses++;
        ArrayList<Flushable> waiting = deferredBefore;
        deferredBefore = deferredNow;
        deferredNow = waiting;
        if (!deferredBefore.isEmpty() && backstop == null) {
            backstop = loop.scheduleAtFixedRate(backstopTask, DEFERRED_FLUSH_BACKSTOP_NANOS,
                    DEFERRED_FLUSH_BACKSTOP_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void backstopTick() {
        if (deferredBefore.isEmpty() && deferredNow.isEmpty()) {
            if (++idleBackstopTicks == BACKSTOP_IDLE_TICKS) {
                backstop.cancel(false);
                backstop = null;
                idleBackstopTicks = 0;
            }
            return;
        }
        idleBackstopTicks = 0;
        // While the loop iterates, flushAll ends every deferral within one iteration; only a loop
        // with nothing else to do since the last tick needs the timer.
        if (flushPasses == flushPassesAtLastTick) {
            flushDeferred(deferredBefore);
            flushDeferred(deferredNow);
        }
        flushPassesAtLastTick = flushPasses;
    }

    /** Ticks without a deferred flush before the backstop timer is cancelled. */
    private static final int BACKSTOP_IDLE_TICKS = 16;

    private static void flushDeferred(ArrayList<Flushable> list) {
        for (int i = 0; i < list.size(); i++) {
            Flushable client = list.get(i);
            // Most were flushed already, when their last reply came: no second flush for them.
            if (client.deferQueued) {
                client.deferQueued = false;
                client.flushNow();
            }
        }
        list.clear();
    }

    private static void flush(ArrayList<Flushable> list) {
        // Flushing can queue more connections (a client resumed by writability); the index loop sees them.
        for (int i = 0; i < list.size(); i++) {
            Flushable connection = list.get(i);
            connection.flushQueued = false;
            connection.deferQueued = false;
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
