package dev.nutjar.bench;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.KeyScratch;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one key, over pools of 3, 100 and 1,000 servers ({@code 10.0.x.y:6379:1}), with
 * {@code ketama} and {@code modula}:
 *
 * <ul>
 *   <li>{@link #lookup}: the distribution's selector alone, on a precomputed hash. With
 *       {@code distribution=ketama} this is what the targets call <em>a ketama lookup</em>.
 *   <li>{@link #routeBytes}: all of {@link ServerPool#route(byte[], int, int)} on a 32-byte key
 *       hashed with {@code fnv1a_64}: range check, ring snapshot, hash, selector.
 *   <li>{@link #routeDirectBuf}: the proxy's route of the same keys held in a direct buffer, as
 *       they arrive from the network: the copy into the thread's {@link KeyScratch} array, then
 *       {@link ServerPool#route(byte[], int, int)}.
 * </ul>
 *
 * <p>Each operation takes the next of {@value #KEYS} different keys (or hashes). There are that
 * many so that a 1,000-server ketama ring (160,000 points: 1.25 MiB of points and a 1 MiB bucket
 * table) is touched all over, as a proxy serving many keys touches it, rather than in the few
 * hundred KiB that 1,024 keys would keep in L2.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
// No leak-detection sampling: it would wrap the buffer, or not, at random from run to run.
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class RoutingBenchmark {
    /** Distinct keys and hashes per run; a power of two, cycled with {@link #MASK}. */
    static final int KEYS = 1 << 16;
    private static final int MASK = KEYS - 1;
    static final int KEY_LENGTH = 32;

    @Param({"ketama", "modula"})
    public String distribution;

    @Param({"3", "100", "1000"})
    public int servers;

    private Distribution.Selector selector;
    private ServerPool pool;
    private int[] hashes;
    private byte[] keys;
    private ByteBuf directKeys;
    private int next;

    @Setup
    public void setUp() {
        List<ServerSpec> specs = servers(servers);
        Distribution dist = Distributions.get(distribution);
        List<ServerSpec> sorted = new ArrayList<>(specs);
        sorted.sort(ServerSpec.TWEMPROXY_ORDER);
        selector = dist.newSelector(sorted);
        pool = ServerPool.builder("bench")
                .servers(specs)
                .hashFunction(HashFunctions.get("fnv1a_64"))
                .distribution(dist)
                .build();
        hashes = BenchKeys.hashes(KEYS, 7);
        keys = BenchKeys.printable(KEYS, KEY_LENGTH, 42);
        directKeys = ByteBufAllocator.DEFAULT.directBuffer(keys.length, keys.length);
        directKeys.writeBytes(keys);
        if (directKeys.hasArray()) {
            throw new IllegalStateException("expected a direct buffer without a backing array: " + directKeys);
        }
        // The three benchmarks must agree on where a key goes.
        for (int i = 0; i < 1000; i++) {
            int offset = i * KEY_LENGTH;
            int expected = pool.route(keys, offset, KEY_LENGTH);
            if (routeBuffer(directKeys, offset, KEY_LENGTH) != expected) {
                throw new IllegalStateException("byte[] and ByteBuf routes differ for key " + i);
            }
        }
    }

    @TearDown
    public void tearDown() {
        directKeys.release();
    }

    /** {@code n} servers {@code 10.0.x.y:6379:1}, in configuration order. */
    static List<ServerSpec> servers(int n) {
        List<ServerSpec> specs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            specs.add(ServerSpec.parse("10.0." + (i / 250) + "." + (1 + i % 250) + ":6379:1"));
        }
        return specs;
    }

    /** The selector alone on a precomputed hash: with ketama, "a ketama lookup". */
    @Benchmark
    public int lookup() {
        return selector.select(hashes[next++ & MASK] & 0xFFFF_FFFFL);
    }

    @Benchmark
    public int routeBytes() {
        return pool.route(keys, (next++ & MASK) * KEY_LENGTH, KEY_LENGTH);
    }

    @Benchmark
    public int routeDirectBuf() {
        return routeBuffer(directKeys, (next++ & MASK) * KEY_LENGTH, KEY_LENGTH);
    }

    /** As the proxy's client connection routes a key held in a buffer. */
    private int routeBuffer(ByteBuf buf, int index, int length) {
        if (buf.hasArray()) {
            return pool.route(buf.array(), buf.arrayOffset() + index, length);
        }
        return pool.route(KeyScratch.copy(buf, index, length), 0, length);
    }
}
