package dev.nutjar.bench;

import dev.nutjar.server.metrics.LatencyBuckets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What finding a latency's histogram bucket costs, twice per reply when the admin port records:
 * {@link LatencyBuckets#index} against a binary search of the same bounds (what it replaced).
 * The latencies spread from 1 µs to 20 ms on a log scale, as a proxy's queued and at-server times
 * do under load, so that a search's branches are as hard to predict as they are there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class LatencyBucketsBenchmark {
    private static final int VALUES = 1 << 16;
    private static final long[] BOUNDS = new long[LatencyBuckets.COUNT - 1];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUNDS[i] = Math.round(Double.parseDouble(LatencyBuckets.label(i)) * 1e9);
        }
    }

    private final long[] nanos = new long[VALUES];
    private int next;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < VALUES; i++) {
            nanos[i] = Math.round(Math.pow(10, 3 + random.nextDouble() * 4.3));
        }
    }

    @Benchmark
    public int index() {
        return LatencyBuckets.index(nanos[next++ & (VALUES - 1)]);
    }

    @Benchmark
    public int binarySearch() {
        return search(nanos[next++ & (VALUES - 1)]);
    }

    private static int search(long value) {
        int low = 0;
        int high = BOUNDS.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (BOUNDS[mid] < value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
