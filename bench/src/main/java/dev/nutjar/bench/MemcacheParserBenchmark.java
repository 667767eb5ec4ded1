package dev.nutjar.bench;

import dev.nutjar.memcache.MemcacheRequest;
import dev.nutjar.memcache.MemcacheRequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The memcached ASCII request parser on a pipelined buffer of {@value #REQUESTS} small requests:
 * {@code get key:000000000017} or {@code set key:... 0 0 3} with a 3-byte data block. Each
 * operation is one request: parsed by {@link MemcacheRequestParser#parse(ByteBuf)} into a
 * {@link MemcacheRequest}, which is then released. The buffer is direct, from Netty's default
 * allocator as a channel's reads are, or from the pooled one ({@link #allocator}).
 *
 * <p>As for {@link RedisParserBenchmark}, {@link #parse} runs on a {@code FastThreadLocalThread}
 * (as on an event loop) and {@link #parseOnPlainThread} on a plain JMH thread: the parser does not
 * use the {@code Recycler} itself, but the retained slices it takes of the input may.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class MemcacheParserBenchmark {
    static final int REQUESTS = 64;

    @Param({"get", "set"})
    public String command;

    /**
     * Where the input buffer comes from: {@code default} is {@code ByteBufAllocator.DEFAULT}, what a
     * channel reads into (Netty 4.2's adaptive allocator); {@code pooled} is
     * {@code PooledByteBufAllocator.DEFAULT}, whose retained slices are recycled.
     */
    @Param({"default", "pooled"})
    public String allocator;

    private ByteBuf in;
    private MemcacheRequestParser parser;

    @Setup
    public void setUp(BenchmarkParams params) {
        FastThreadLocalExecutor.checkThread(!params.getBenchmark().endsWith("OnPlainThread"));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < REQUESTS; i++) {
            String key = String.format("key:%012d", i * 7919 % 100_000);
            if (command.equals("get")) {
                sb.append("get ").append(key).append("\r\n");
            } else {
                sb.append("set ").append(key).append(" 0 0 3\r\nxxx\r\n");
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBufAllocator alloc = allocator.equals("pooled") ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
        in = alloc.directBuffer(bytes.length);
        in.writeBytes(bytes);
        parser = new MemcacheRequestParser();
        int keys = parseAll();
        if (keys != REQUESTS) {
            throw new IllegalStateException("parsed " + keys + " keyed requests, expected " + REQUESTS);
        }
    }

    @TearDown
    public void tearDown() {
        in.release();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    @Fork(value = 1, jvmArgsAppend = {
        "-Djmh.executor=CUSTOM",
        "-Djmh.executor.class=dev.nutjar.bench.FastThreadLocalExecutor",
        "-Dio.netty.leakDetection.level=disabled"})
    public int parse() {
        return parseAll();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    @Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
    public int parseOnPlainThread() {
        return parseAll();
    }

    /** Parses every request in the buffer, releasing each; returns the number of keys seen. */
    private int parseAll() {
        ByteBuf buf = in;
        buf.readerIndex(0);
        int keys = 0;
        MemcacheRequest request;
        while ((request = parser.parse(buf)) != null) {
            if (request.isError()) {
                throw new IllegalStateException("parse error: " + request.error());
            }
            keys += request.keyCount();
            request.release();
        }
        return keys;
    }
}
