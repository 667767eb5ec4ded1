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

    private LatencyBuckets() {}

    /** The bucket {@code nanos} falls in: the first whose bound is at least {@code nanos}. Allocates nothing. */
    public static int index(long nanos) {
        int low = 0;
        int high = BOUNDS_NANOS.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (BOUNDS_NANOS[mid] < nanos) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** The {@code le} label of bucket {@code i}: a bound in seconds, or {@code +Inf} for the last. */
    public static String label(int i) {
        return i < LABELS.size() ? LABELS.get(i) : "+Inf";
    }
}
