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
 * Every twemproxy hash function on keys of 8, 32 and 256 bytes: the time to hash one key.
 *
 * <p>The call goes through the {@link HashFunction} interface, as the proxy makes it. JMH runs each
 * (function, keyLength) combination in a fork of its own, so the call site sees one implementation
 * and is inlined, as it is in a proxy whose pools all use one function.
 *
 * <p>Each operation hashes the next of {@value #KEYS} different keys, laid end to end in one array
 * as keys sit in a read buffer, so no data-dependent branch is learned from a single key. One key
 * per operation, no inner loop: the JIT cannot interleave hashes. The CPU still may: consecutive
 * operations are independent, so it starts the next hash before the last is done, and for short
 * keys the figure lies between a hash's latency ({@link HashLatencyBenchmark}) and its throughput.
 * JMH's own cost per operation is {@link BaselineBenchmark}'s figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class HashBenchmark {
    /** Distinct keys per run; a power of two, cycled with {@link #MASK}. */
    static final int KEYS = 1024;
    private static final int MASK = KEYS - 1;

    @Param({"one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32",
        "hsieh", "murmur", "jenkins"})
    public String function;

    @Param({"8", "32", "256"})
    public int keyLength;

    private HashFunction hash;
    /** {@link #KEYS} keys of {@link #keyLength} bytes each, end to end. */
    private byte[] keys;
    private int next;

    @Setup
    public void setUp() {
        hash = HashFunctions.get(function);
        keys = BenchKeys.printable(KEYS, keyLength, 42);
    }

    @Benchmark
    public long hash() {
        int length = keyLength;
        int offset = (next++ & MASK) * length;
        return hash.hash(keys, offset, length);
    }
}
