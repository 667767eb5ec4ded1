package dev.nutjar.bench;

import dev.nutjar.protocol.KeyScratch;
import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.cluster.ShardNodes;
import dev.nutjar.server.cluster.SlotMap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A cluster pool's routing of one key held in a direct buffer, as it arrives from the network:
 * the copy into the thread's {@link KeyScratch} array, the slot ({@link ClusterSlot#of}: the
 * <code>&#123;</code> scan and CRC16) and the slot map's owner of it, over three masters. Beside
 * {@link RoutingBenchmark#routeDirectBuf} (ketama over three servers), it is the cluster pool's
 * routing cost against a ring pool's. Keys of {@code length} bytes, the next of
 * {@value RoutingBenchmark#KEYS} each time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ClusterSlotBenchmark {
    private static final int MASK = RoutingBenchmark.KEYS - 1;

    @Param({"16", "32"})
    public int length;

    private SlotMap map;
    private ByteBuf directKeys;
    private int next;

    @Setup
    public void setUp() {
        ShardNodes[] shape = new ShardNodes[ClusterSlot.SLOTS];
        for (int slot = 0; slot < shape.length; slot++) {
            shape[slot] = ShardNodes.masterOnly(new NodeAddress("10.0.0." + (1 + slot * 3 / ClusterSlot.SLOTS), 6379));
        }
        map = SlotMap.EMPTY.with(shape);
        byte[] keys = BenchKeys.printable(RoutingBenchmark.KEYS, length, 42);
        directKeys = ByteBufAllocator.DEFAULT.directBuffer(keys.length, keys.length).writeBytes(keys);
    }

    @TearDown
    public void tearDown() {
        directKeys.release();
    }

    @Benchmark
    public int slotDirectBuf() {
        int index = (next++ & MASK) * length;
        int slot = ClusterSlot.of(KeyScratch.copy(directKeys, index, length), 0, length);
        return map.nodeOf(slot) == SlotMap.NO_NODE ? -1 : slot;
    }
}
