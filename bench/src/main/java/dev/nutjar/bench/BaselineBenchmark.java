package dev.nutjar.bench;

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
 * What the harness costs per operation: picking the next key exactly as {@link HashBenchmark}
 * does and returning one byte of it, with no hashing. Subtract it from a hash's figure to see the
 * hash alone (roughly: the two overlap in the CPU).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class BaselineBenchmark {
    private static final int MASK = HashBenchmark.KEYS - 1;
    private static final int KEY_LENGTH = 32;

    private byte[] keys;
    private int next;

    @Setup
    public void setUp() {
        keys = BenchKeys.printable(HashBenchmark.KEYS, KEY_LENGTH, 42);
    }

    @Benchmark
    public long nextKey() {
        int offset = (next++ & MASK) * KEY_LENGTH;
        return keys[offset + KEY_LENGTH - 1];
    }
}
