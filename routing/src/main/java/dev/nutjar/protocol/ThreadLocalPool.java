package dev.nutjar.protocol;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A bounded free list per thread, for the small objects a codec makes for every request and
 * reply. An event loop takes an object, passes it along and returns it, all on its own thread,
 * so the list needs no synchronisation: this is a stack in a thread-local, not Netty's
 * {@code Recycler}, whose cross-thread return queue cost more per request (about 5 % of the
 * event loop's time, pipelined) than the allocation it saves.
 *
 * <p>An object returned on a thread other than the one it came from joins that thread's list;
 * each list keeps at most {@code capacityPerThread} objects and lets the rest go to the garbage
 * collector. Whoever returns an object must hold no reference to it afterwards.
 *
 * @param <T> the pooled type
 */
public final class ThreadLocalPool<T> {
    /**
     * The spare objects kept per thread by default: what a busy event loop releases and takes
     * again between two turns (tens of pipelined clients' requests), a few hundred KB per kind
     * of object. A burst beyond it is left to the garbage collector.
     */
    public static final int DEFAULT_CAPACITY_PER_THREAD = 4096;

    private final Supplier<T> factory;
    private final int capacityPerThread;
    private final FastThreadLocal<Stack> stacks = new FastThreadLocal<>() {
        @Override
        protected Stack initialValue() {
            return new Stack(Math.min(capacityPerThread, 64));
        }
    };

    /** A pool keeping up to {@link #DEFAULT_CAPACITY_PER_THREAD} objects per thread. */
    public ThreadLocalPool(Supplier<T> factory) {
        this(factory, DEFAULT_CAPACITY_PER_THREAD);
    }

    /**
     * @param factory makes a new object when this thread's list is empty
     * @param capacityPerThread the most objects kept per thread; 0 pools nothing
     * @throws IllegalArgumentException if {@code capacityPerThread} is negative
     */
    public ThreadLocalPool(Supplier<T> factory, int capacityPerThread) {
        this.factory = Objects.requireNonNull(factory, "factory");
        if (capacityPerThread < 0) {
            throw new IllegalArgumentException("capacityPerThread must be >= 0 (was: " + capacityPerThread + ")");
        }
        this.capacityPerThread = capacityPerThread;
    }

    /** An object from this thread's list, or a new one when the list is empty. */
    @SuppressWarnings("unchecked")
    public T get() {
        if (capacityPerThread == 0) {
            return factory.get();
        }
        Object pooled = stacks.get().pop();
        return pooled != null ? (T) pooled : factory.get();
    }

    /**
     * Returns {@code object} to this thread's list, or drops it when the list is full.
     *
     * @param object reset by the caller, and no longer referenced by it
     */
    public void recycle(T object) {
        Objects.requireNonNull(object, "object");
        if (capacityPerThread > 0) {
            stacks.get().push(object, capacityPerThread);
        }
    }

    /** How many objects this thread's list holds now (for tests). */
    int pooledOnThisThread() {
        return capacityPerThread == 0 ? 0 : stacks.get().size;
    }

    private static final class Stack {
        private Object[] items;
        private int size;

        Stack(int initialCapacity) {
            items = new Object[Math.max(initialCapacity, 1)];
        }

        Object pop() {
            if (size == 0) {
                return null;
            }
            Object item = items[--size];
            items[size] = null;
            return item;
        }

        void push(Object item, int capacity) {
            if (size == items.length) {
                if (size >= capacity) {
                    return;
                }
                Object[] grown = new Object[Math.min(capacity, 2 * items.length)];
                System.arraycopy(items, 0, grown, 0, size);
                items = grown;
            }
            items[size++] = item;
        }
    }
}
