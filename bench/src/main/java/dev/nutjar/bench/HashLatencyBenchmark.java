package dev.nutjar.bench;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of one hash, where {@link HashBenchmark} measures something nearer throughput.
 *
 * <p>In {@link HashBenchmark} consecutive operations are independent, so the CPU starts hashing
 * the next key before the last is done: for short keys the figure is below the length of a
 * hash's dependency chain. Here the key of each operation depends on the previous hash, which
 * forbids that overlap: the figure is the whole chain (plus a few cycles to pick the key).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class HashLatencyBenchmark {
    private static final int MASK = HashBenchmark.KEYS - 1;

    /** twemproxy's default; the other functions can be given with {@code -p function=...}. */
    @Param({"fnv1a_64"})
    public String function;

    @Param({"8", "32", "256"})
    public int keyLength;

    private HashFunction hash;
    private byte[] keys;
    private int next;
    private long previous;

    @Setup
    public void setUp() {
        hash = HashFunctions.get(function);
        keys = BenchKeys.printable(HashBenchmark.KEYS, keyLength, 42);
    }

    @Benchmark
    public long hash() {
        int length = keyLength;
        // The previous hash's low bit: a real data dependency the JIT cannot remove, while the
        // keys are still taken in turn (give or take one).
        int offset = ((next++ + ((int) previous & 1)) & MASK) * length;
        long h = hash.hash(keys, offset, length);
        previous = h;
        return h;
    }
}
