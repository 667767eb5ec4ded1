package dev.nutjar.bench;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's worker threads as Netty event loops have them: {@code FastThreadLocalThread}s that clean
 * up their fast thread-locals, on which a {@code FastThreadLocal} (the parsers' per-thread pools)
 * is an array index rather than a {@code ThreadLocal} lookup.
 *
 * <p>A fork uses it with {@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=dev.nutjar.bench.FastThreadLocalExecutor} (JMH calls the {@code (int, String)}
 * constructor).
 */
public final class FastThreadLocalExecutor extends ThreadPoolExecutor {

    public FastThreadLocalExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }

    /**
     * Fails unless the calling thread is, or is not, a {@code FastThreadLocalThread} as event
     * loops are. (A {@code -jvmArgsAppend} on JMH's command line replaces the
     * benchmark's own, executor included: use {@code -jvmArgsPrepend} to add flags.)
     */
    static void checkThread(boolean fastThreadLocal) {
        boolean actual = FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals();
        if (fastThreadLocal != actual) {
            throw new IllegalStateException("benchmark thread " + Thread.currentThread()
                    + (fastThreadLocal ? " is not" : " is") + " a FastThreadLocalThread; "
                    + (fastThreadLocal ? "was -jvmArgsAppend given? It replaces the benchmark's executor flags: "
                            + "use -jvmArgsPrepend" : ""));
        }
    }
}
