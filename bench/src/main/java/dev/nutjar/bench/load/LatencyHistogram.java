package dev.nutjar.bench.load;

import java.util.Arrays;

/**
 * Latencies in nanoseconds, counted in log-linear buckets as HdrHistogram does: 64 linear
 * sub-buckets per power of two, so any value is known to within 1/64 (1.6 %). Recording is an
 * array increment; nothing is allocated after construction.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 6;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    /** Up to 2^40 ns (18 minutes): anything longer lands in the last bucket. */
    private static final int MAX_BITS = 40;

    private final long[] counts = new long[(MAX_BITS - SUB_BITS + 1) * SUB_COUNT];
    private long total;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max;

    void record(long nanos) {
        record(nanos, 1);
    }

    /** Records {@code count} requests that each took {@code nanos}. */
    void record(long nanos, long count) {
        if (nanos < 0) {
            nanos = 0;
        }
        counts[index(nanos)] += count;
        total += count;
        sum += nanos * count;
        min = Math.min(min, nanos);
        max = Math.max(max, nanos);
    }

    void reset() {
        Arrays.fill(counts, 0);
        total = 0;
        sum = 0;
        min = Long.MAX_VALUE;
        max = 0;
    }

    long count() {
        return total;
    }

    double meanNanos() {
        return total == 0 ? 0 : (double) sum / total;
    }

    long minNanos() {
        return total == 0 ? 0 : min;
    }

    long maxNanos() {
        return max;
    }

    /**
     * The smallest recorded value v such that at least {@code percentile} % of the values are at
     * most v, to the bucket's precision (the bucket's upper bound, capped by the maximum).
     */
    long percentileNanos(double percentile) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(percentile / 100.0 * total);
        if (rank < 1) {
            rank = 1;
        }
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < SUB_COUNT) {
            return (int) v;
        }
        int magnitude = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        if (magnitude >= MAX_BITS) {
            return (MAX_BITS - SUB_BITS + 1) * SUB_COUNT - 1;
        }
        int shift = magnitude - SUB_BITS;
        int sub = (int) (v >>> shift) & (SUB_COUNT - 1);
        return (shift + 1) * SUB_COUNT + sub;
    }

    /** The largest value that maps to bucket {@code index}. */
    static long upperBound(int index) {
        if (index < SUB_COUNT) {
            return index;
        }
        int shift = index / SUB_COUNT - 1;
        long sub = index % SUB_COUNT;
        long lower = (SUB_COUNT + sub) << shift;
        return lower + (1L << shift) - 1;
    }
}
