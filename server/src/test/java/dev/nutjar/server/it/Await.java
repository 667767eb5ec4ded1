package dev.nutjar.server.it;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes: waiting is never an assertion by itself. */
public final class Await {
    private Await() {}

    public interface Check {
        boolean holds() throws Exception;
    }

    /** Waits until {@code check} holds, polling every 20 ms; fails with {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.holds()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Waits until {@code value} returns non-null, then returns it. */
    public static <T> T value(String what, Duration timeout, Callable<T> value) throws Exception {
        Object[] holder = new Object[1];
        until(what, timeout, () -> (holder[0] = value.call()) != null);
        @SuppressWarnings("unchecked")
        T result = (T) holder[0];
        return result;
    }
}
