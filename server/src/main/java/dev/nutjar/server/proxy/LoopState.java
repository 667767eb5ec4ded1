package dev.nutjar.server.proxy;

import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.Arrays;

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
 * keeps it from waiting for every other socket of the iteration. A client still owed replies to
 * requests it sent with those written waits for them, for at most a millisecond
 * ({@link #holdReplies}), so that a pipeline spread over servers leaves in one write.
 */
final class LoopState {
    final EventLoop loop;
    /** The loop's clock: {@link EventLoop#ticker()}, which tests drive by hand. */
    private final Ticker ticker;
    /** Per pool, by id: where its requests go from this loop. Replaced on the loop by a reload. */
    private Upstream[] upstreams;
    /** Per pool, by id: the generation {@link #upstreams} routes by. Replaced with it. */
    private PoolRuntime[] generations = new PoolRuntime[0];
    private final ArrayList<Flushable> toFlush = new ArrayList<>();
    private final ArrayList<Flushable> backendsToFlush = new ArrayList<>();
    private final DeferringIoHandler.Deferred backendWrites = new DeferringIoHandler.Deferred() {
        @Override
        public boolean owed() {
            return !backendsToFlush.isEmpty();
        }

        @Override
        public void run() {
            // One reading of the clock for every backend flushed now, and only for the latencies.
            backendFlushNanos = metrics.recording ? ticker.nanoTime() : 0;
            flushingBackends = true;
            try {
                flush(backendsToFlush);
            } finally {
                flushingBackends = false;
            }
        }
    };
    private final ArrayList<Flushable> repliesToFlush = new ArrayList<>();
    private final HeldFlushes heldReplies;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushAll;
    final LoopCounters counters;
    final LoopMetrics metrics;
    /** Buffers kept for the connections' next write batches and reads. */
    final SpareBuffers spares;
    /** Memory kept for the connections' large reads: those of large values, which may be held a while. */
    final RecyclingReadBuffers largeReads;
    /** The most memory of free large read buffers a loop keeps: enough for a few 16 MiB values in flight. */
    static final long MAX_KEPT_LARGE_READ_BYTES = 64L << 20;
    /**
     * Per pool, by id: client reads that go into {@link #spares} where they fit. Not for backend
     * connections: replies waiting their turn hold a backend's input, which then would not come
     * back, and the spares would run dry for the write batches.
     */
    private RecvByteBufAllocator[] readAllocators;
    /** Per pool, by id: backend reads with room in front for the start of a reply cut by the last read. */
    private RecvByteBufAllocator[] backendReadAllocators;
    /** Enough for a cut small reply (a status, a number, a short value); a longer one is copied as before. */
    static final int BACKEND_READ_HEADROOM = 512;
    /** While a client's decoder runs, and when it started: see {@link #nanoTime}. */
    private boolean decodingClient;
    private long decodeStartNanos;
    /** While the held backend writes are flushed, and when that started: see {@link #backendFlushNanos}. */
    private boolean flushingBackends;
    private long backendFlushNanos;

    LoopState(EventLoop loop, PoolRuntime[] pools) {
        this(loop, pools, false);
    }

    /** @param recordMetrics whether {@link #metrics} records latencies and commands */
    LoopState(EventLoop loop, PoolRuntime[] pools, boolean recordMetrics) {
        this.loop = loop;
        this.ticker = loop.ticker();
        this.upstreams = new Upstream[0];
        this.counters = new LoopCounters(pools);
        this.metrics = new LoopMetrics(recordMetrics);
        this.heldReplies = new HeldFlushes(loop, HeldFlushes.DEFAULT_PERIOD_NANOS);
        int chunk = BufferSettings.DEFAULT_UNIT;
        for (PoolRuntime pool : pools) {
            chunk = Math.max(chunk, pool.buffers.chunkSize());
        }
        this.spares = new SpareBuffers(chunk);
        int maxRead = 0;
        for (PoolRuntime pool : pools) {
            maxRead = Math.max(maxRead, pool.buffers.maxReadSize());
        }
        // The buffer unit is the process's (-m), so a pool added by a reload reads no larger.
        this.largeReads = new RecyclingReadBuffers(maxRead + BACKEND_READ_HEADROOM, MAX_KEPT_LARGE_READ_BYTES);
        this.readAllocators = new RecvByteBufAllocator[0];
        this.backendReadAllocators = new RecvByteBufAllocator[0];
        for (PoolRuntime pool : pools) {
            addPool(pool);
        }
    }

    /** Starts serving {@code pool}, new to this loop. On the loop (or before it runs). */
    void addPool(PoolRuntime pool) {
        int id = pool.id;
        if (id >= upstreams.length) {
            upstreams = Arrays.copyOf(upstreams, id + 1);
            readAllocators = Arrays.copyOf(readAllocators, id + 1);
            backendReadAllocators = Arrays.copyOf(backendReadAllocators, id + 1);
        }
        // The buffer unit is the process's (-m): the spares' chunk fits every pool, old or new.
        readAllocators[id] = ReadBufferAllocator.intoSpares(pool.recvAllocator, spares, largeReads);
        backendReadAllocators[id] = ReadBufferAllocator.withHeadroom(pool.recvAllocator, BACKEND_READ_HEADROOM,
                largeReads, spares.bufferSize());
        counters.installPool(pool, null, false);
        metrics.installPool(pool, null);
        upstreams[id] = pool.cluster != null ? new ClusterUpstream(pool, this) : new RingUpstream(pool, this);
        generation(pool);
    }

    /**
     * Moves the pool to {@code next}, its new generation: the clients of this loop route by it from
     * their next read on; requests already sent finish where they are. On the loop.
     *
     * @param previousIndex per server of {@code next}, its index in the previous generation, or -1
     * @param keepConnections whether servers that stay keep their connections
     */
    void replacePool(PoolRuntime next, int[] previousIndex, boolean keepConnections) {
        counters.installPool(next, previousIndex, keepConnections);
        metrics.installPool(next, previousIndex);
        upstreams[next.id] = upstreams[next.id].nextGeneration(next, this, previousIndex, keepConnections);
        generation(next);
    }

    private void generation(PoolRuntime pool) {
        if (pool.id >= generations.length) {
            generations = Arrays.copyOf(generations, pool.id + 1);
        }
        generations[pool.id] = pool;
    }

    /** The generation of {@code pool} that its {@link #upstream} routes by now. */
    PoolRuntime generation(int poolId) {
        return generations[poolId];
    }

    /** Closes a removed pool's backend connections, once its clients are gone. On the loop. */
    void closePool(PoolRuntime pool) {
        upstreams[pool.id].close();
    }

    /**
     * The {@link #ticker()}'s time, read once per run of a client's decoder while one runs: the
     * requests of a pipeline share one reading of the clock for their deadlines. A timeout is
     * counted in milliseconds, and one run is bounded (ClientSession's turn), so a deadline
     * comes at most that much early.
     */
    long nanoTime() {
        return decodingClient ? decodeStartNanos : ticker.nanoTime();
    }

    /** A client's input is being decoded: {@link #nanoTime} is now until {@link #clientDecodeDone}. */
    void clientDecodeStarts() {
        decodeStartNanos = ticker.nanoTime();
        decodingClient = true;
    }

    void clientDecodeDone() {
        decodingClient = false;
    }

    /**
     * When the backend connection being flushed sends its requests: while the loop flushes its held
     * backend writes, one reading of the clock for all of them (taken only when metrics are
     * recorded); else the clock now.
     */
    long backendFlushNanos() {
        return flushingBackends ? backendFlushNanos : ticker.nanoTime();
    }

    /** The loop's clock, for deadlines. */
    Ticker ticker() {
        return ticker;
    }

    /** The read buffer allocator for this loop's client connections of {@code pool}. */
    RecvByteBufAllocator readAllocator(PoolRuntime pool) {
        return readAllocators[pool.id];
    }

    /** The read buffer allocator for this loop's connections to the servers of {@code pool}. */
    RecvByteBufAllocator backendReadAllocator(PoolRuntime pool) {
        return backendReadAllocators[pool.id];
    }

    /** Where {@code pool}'s requests go from this loop. */
    Upstream upstream(PoolRuntime pool) {
        return upstreams[pool.id];
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
     * Holds a client's replies, written while replies to requests it sent with them are still due,
     * until those come and {@link #flushRepliesLater} takes it, for at most two periods of
     * {@link HeldFlushes#DEFAULT_PERIOD_NANOS}: see {@link HeldFlushes}.
     */
    void holdReplies(Flushable client) {
        heldReplies.hold(client);
    }

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
        // Flushing a client can resume its reading, and its next replies can be ready at once.
        flush(repliesToFlush);
        flushScheduled = false;
    }

    private static void flush(ArrayList<Flushable> list) {
        // Flushing can queue more connections (a client resumed by writability); the index loop sees them.
        for (int i = 0; i < list.size(); i++) {
            Flushable connection = list.get(i);
            connection.flushQueued = false;
            connection.heldAtTick = Flushable.NOT_HELD;
            connection.flushNow();
        }
        list.clear();
    }

    /** Closes every backend connection of this loop. */
    void closeBackends() {
        for (Upstream upstream : upstreams) {
            if (upstream != null) {
                upstream.close();
            }
        }
    }
}
