package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.server.metrics.LatencyBuckets;

/**
 * One event loop's latency histograms and per-command counts, for the admin port's
 * {@code /metrics}: plain arrays written only by the loop, read (a moment old) when a scrape sums
 * the loops. Recorded only when an admin port asks for them; the hooks then cost an array
 * increment and, per backend read and flush, one reading of the clock.
 */
final class LoopMetrics {
    private static final int B = LatencyBuckets.COUNT;
    /** Per server: queued buckets, queued sum, at-server buckets, at-server sum. */
    static final int SERVER_STRIDE = 2 * B + 2;
    static final int QUEUED_SUM = B;
    static final int AT_SERVER = B + 1;
    static final int AT_SERVER_SUM = 2 * B + 1;

    final boolean recording;
    /** [pool][server * SERVER_STRIDE + slot] */
    final long[][] latency;
    /** [pool][(command + 1) * 2]: requests; [pool][(command + 1) * 2 + 1]: errors. */
    final long[][] commands;
    private final int[] commandCount;

    LoopMetrics(PoolRuntime[] pools, boolean recording) {
        this.recording = recording;
        latency = new long[pools.length][];
        commands = new long[pools.length][];
        commandCount = new int[pools.length];
        for (PoolRuntime p : pools) {
            int n = recording ? p.protocol.commands().size() : 0;
            commandCount[p.id] = n;
            latency[p.id] = new long[recording ? p.serverCount() * SERVER_STRIDE : 0];
            commands[p.id] = new long[(n + 1) * 2];
        }
    }

    /** A request of {@code command} ({@link Request#command()}) was decoded. */
    void request(int poolId, int command) {
        if (recording) {
            commands[poolId][slot(poolId, command)]++;
        }
    }

    /** A request of {@code command} was answered with the proxy's error. */
    void failed(int poolId, int command) {
        if (recording) {
            commands[poolId][slot(poolId, command) + 1]++;
        }
    }

    private int slot(int poolId, int command) {
        return command < 0 || command >= commandCount[poolId] ? 0 : (command + 1) * 2;
    }

    /** A reply came: it waited {@code queuedNanos} in the proxy, then {@code atServerNanos}. */
    void replied(int poolId, int server, long queuedNanos, long atServerNanos) {
        long[] a = latency[poolId];
        int base = server * SERVER_STRIDE;
        a[base + LatencyBuckets.index(queuedNanos)]++;
        a[base + QUEUED_SUM] += queuedNanos;
        a[base + AT_SERVER + LatencyBuckets.index(atServerNanos)]++;
        a[base + AT_SERVER_SUM] += atServerNanos;
    }
}
