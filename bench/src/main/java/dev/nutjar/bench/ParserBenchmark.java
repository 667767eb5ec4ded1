package dev.nutjar.bench;

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
 * A request parser on a pipelined buffer of {@value #REQUESTS} small requests, as one read from a
 * pipelining client brings them. Each operation is one request, parsed and released. The buffer
 * is direct, from Netty's default allocator as a channel's reads are, or from the pooled one
 * ({@link #allocator}).
 *
 * <p>Parsed requests come from a per-thread pool ({@code ThreadLocalPool}, a Netty
 * {@code FastThreadLocal}), whose lookup is an array index on a {@code FastThreadLocalThread} (an
 * event loop) and a {@code ThreadLocal} lookup elsewhere, so {@link #parse} runs on such a thread
 * ({@link FastThreadLocalExecutor}), as in the proxy, and {@link #parseOnPlainThread} is the same
 * work on a plain JMH thread, to show the difference.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public abstract class ParserBenchmark {
    static final int REQUESTS = 64;

    /**
     * Where the input buffer comes from: {@code default} is {@code ByteBufAllocator.DEFAULT}, what a
     * channel reads into (Netty 4.2's adaptive allocator); {@code pooled} is
     * {@code PooledByteBufAllocator.DEFAULT}. The parsers make no slices of either: a request
     * holds the buffer itself and an index.
     */
    @Param({"default", "pooled"})
    public String allocator;

    private ByteBuf in;

    /** The {@value #REQUESTS} requests, one of them for key {@code key}; called once per key. */
    protected abstract String request(String key);

    /** A fresh parser, before the first {@link #parseAll}. */
    protected abstract void newParser();

    /** Parses every request in {@code buf}, releasing each; returns the number of keys seen. */
    protected abstract int parseAll(ByteBuf buf);

    @Setup
    public void setUp(BenchmarkParams params) {
        FastThreadLocalExecutor.checkThread(!params.getBenchmark().endsWith("OnPlainThread"));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < REQUESTS; i++) {
            sb.append(request(String.format("key:%012d", i * 7919 % 100_000)));
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBufAllocator alloc = allocator.equals("pooled") ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
        in = alloc.directBuffer(bytes.length);
        in.writeBytes(bytes);
        newParser();
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

    private int parseAll() {
        in.readerIndex(0);
        return parseAll(in);
    }
}
