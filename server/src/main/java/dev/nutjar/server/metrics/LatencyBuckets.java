package dev.nutjar.server.metrics;

import java.util.List;

/**
 * The fixed upper bounds of every latency histogram, from 25 µs to 10 s. Fixed, so that the
 * histograms of every instance have the same buckets and merge in a query.
 */
public final class LatencyBuckets {
    /** The bounds as the {@code le} label writes them, in seconds. */
    private static final List<String> LABELS = List.of(
            "2.5e-05", "5e-05", "7.5e-05", "0.0001", "0.00015", "0.00025", "0.0005", "0.00075",
            "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
            "1", "2.5", "5", "10");
    private static final long[] BOUNDS_NANOS = LABELS.stream()
            .mapToLong(label -> Math.round(Double.parseDouble(label) * 1e9))
            .toArray();

    /** Buckets per histogram: one per bound, and the last for what exceeds every bound. */
    public static final int COUNT = BOUNDS_NANOS.length + 1;

    /**
     * Per bit length of a value, the number of bounds below the smallest value of that length: a
     * value's bucket is then at most two further.
     */
    private static final int[] BELOW_BIT_LENGTH = new int[64];
    /** The bounds, then two that no value exceeds, so the two comparisons need no range check. */
    private static final long[] PADDED_BOUNDS = new long[BOUNDS_NANOS.length + 2];

    static {
        System.arraycopy(BOUNDS_NANOS, 0, PADDED_BOUNDS, 0, BOUNDS_NANOS.length);
        PADDED_BOUNDS[BOUNDS_NANOS.length] = Long.MAX_VALUE;
        PADDED_BOUNDS[BOUNDS_NANOS.length + 1] = Long.MAX_VALUE;
        for (int length = 1; length < 64; length++) {
            long smallest = 1L << (length - 1);
            int below = 0;
            while (below < BOUNDS_NANOS.length && BOUNDS_NANOS[below] < smallest) {
                below++;
            }
            BELOW_BIT_LENGTH[length] = below;
            int within = 0;
            while (below + within < BOUNDS_NANOS.length && BOUNDS_NANOS[below + within] < 2 * smallest) {
                within++;
            }
            if (within > 2) {
                throw new IllegalStateException("more than two latency bounds between 2^" + (length - 1) + " and 2^" + length);
            }
        }
    }

    private LatencyBuckets() {}

    /**
     * The bucket {@code nanos} falls in: the first whose bound is at least {@code nanos}; the first
     * for a negative value. By the value's bit length and two comparisons, without branches: it runs
     * twice per reply. Allocates nothing.
     */
    public static int index(long nanos) {
        long value = Math.max(nanos, 0);
        int i = BELOW_BIT_LENGTH[64 - Long.numberOfLeadingZeros(value)];
        i += (int) ((PADDED_BOUNDS[i] - value) >>> 63);
        i += (int) ((PADDED_BOUNDS[i] - value) >>> 63);
        return i;
    }

    /** The {@code le} label of bucket {@code i}: a bound in seconds, or {@code +Inf} for the last. */
    public static String label(int i) {
        return i < LABELS.size() ? LABELS.get(i) : "+Inf";
    }
}
