package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.server.metrics.LatencyBuckets;
import java.util.Arrays;

/**
 * One event loop's latency histograms and per-command counts, for the admin port's
 * {@code /metrics}: plain arrays written only by the loop, read (a moment old) when a scrape sums
 * the loops. Recorded only when an admin port asks for them; the hooks then cost an array
 * increment per request, four per reply, and one reading of the clock per round of backend flushes.
 */
final class LoopMetrics {
    private static final int B = LatencyBuckets.COUNT;
    /** Per server: queued buckets, queued sum, at-server buckets, at-server sum. */
    static final int SERVER_STRIDE = 2 * B + 2;
    static final int QUEUED_SUM = B;
    static final int AT_SERVER = B + 1;
    static final int AT_SERVER_SUM = 2 * B + 1;

    final boolean recording;
    /** [pool][server * SERVER_STRIDE + slot]; grown by {@link #installPool} on the loop. */
    long[][] latency;
    /** [pool][(command + 1) * 2]: requests; [pool][(command + 1) * 2 + 1]: errors. */
    long[][] commands;

    /** Empty: each pool is added by {@link #installPool}, as the loop adds it. */
    LoopMetrics(boolean recording) {
        this.recording = recording;
        latency = new long[0][];
        commands = new long[0][];
    }

    /**
     * Makes room for {@code next}, a pool new to this loop or a reload's new generation of one:
     * a server that stays ({@code previousIndex[s] >= 0}) keeps its histograms. On the loop.
     */
    void installPool(PoolRuntime next, int[] previousIndex) {
        int id = next.id;
        if (id >= latency.length) {
            latency = Arrays.copyOf(latency, id + 1);
            commands = Arrays.copyOf(commands, id + 1);
        }
        long[] before = latency[id];
        long[] after = new long[recording ? next.serverCount() * SERVER_STRIDE : 0];
        if (before != null && previousIndex != null && recording) {
            for (int s = 0; s < previousIndex.length; s++) {
                int o = previousIndex[s];
                if (o >= 0 && (o + 1) * SERVER_STRIDE <= before.length) {
                    System.arraycopy(before, o * SERVER_STRIDE, after, s * SERVER_STRIDE, SERVER_STRIDE);
                }
            }
        }
        latency[id] = after;
        if (commands[id] == null) {
            int n = recording ? next.protocol.commands().size() : 0;
            commands[id] = new long[(n + 1) * 2];
        }
    }

    /** A request of {@code command} ({@link Request#command()}) was decoded. */
    void request(int poolId, int command) {
        if (recording) {
            long[] counts = commands[poolId];
            counts[slot(counts, command)]++;
        }
    }

    /** A request of {@code command} was answered with the proxy's error. */
    void failed(int poolId, int command) {
        if (recording) {
            long[] counts = commands[poolId];
            counts[slot(counts, command) + 1]++;
        }
    }

    /** The requests' slot of {@code command} in a pool's counts: 0 for one outside the table. */
    private static int slot(long[] counts, int command) {
        int slot = (command + 1) * 2;
        return slot > 0 && slot < counts.length ? slot : 0;
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
