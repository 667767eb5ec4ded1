package dev.nutjar.protocol;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A bounded free list per thread, for the small objects a codec makes for every request and
 * reply. An event loop takes an object, passes it along and returns it, all on its own thread,
 * so the list needs no synchronisation: this is a stack in a thread-local, not Netty's
 * {@code Recycler}, whose cross-thread return queue cost more per request than the allocation
 * it saves (measured in the bench notes).
 *
 * <p>An object returned on a thread other than the one it came from joins that thread's list;
 * each list keeps at most {@code capacityPerThread} objects and lets the rest go to the garbage
 * collector. Whoever returns an object must hold no reference to it afterwards.
 *
 * <p>{@link #get()} and {@link #recycle} find the thread's list through a thread-local each time.
 * Something that takes many objects on one thread (a connection's parser) can keep that list,
 * {@link #local()}, and skip the lookup, which is measurable when every request takes and
 * returns several pooled objects.
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
    private final FastThreadLocal<Local<T>> stacks = new FastThreadLocal<>() {
        @Override
        protected Local<T> initialValue() {
            return new Local<>(ThreadLocalPool.this, Math.min(capacityPerThread, 64));
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
    public T get() {
        if (capacityPerThread == 0) {
            return factory.get();
        }
        return stacks.get().take();
    }

    /**
     * This thread's list, to keep for taking and returning objects without the thread-local
     * lookup. Used from another thread, it behaves as {@link #get()} and {@link #recycle} do.
     */
    public Local<T> local() {
        return stacks.get();
    }

    /**
     * Returns {@code object} to this thread's list, or drops it when the list is full.
     *
     * @param object reset by the caller, and no longer referenced by it
     */
    public void recycle(T object) {
        Objects.requireNonNull(object, "object");
        if (capacityPerThread > 0) {
            stacks.get().push(object);
        }
    }

    /** How many objects this thread's list holds now (for tests). */
    int pooledOnThisThread() {
        return capacityPerThread == 0 ? 0 : stacks.get().size;
    }

    /**
     * One thread's list of a {@link ThreadLocalPool}, from {@link ThreadLocalPool#local()}. Its
     * methods check that they run on that thread; elsewhere they go through the pool.
     *
     * @param <T> the pooled type
     */
    public static final class Local<T> {
        private final ThreadLocalPool<T> pool;
        private final Thread owner = Thread.currentThread();
        private Object[] items;
        private int size;

        Local(ThreadLocalPool<T> pool, int initialCapacity) {
            this.pool = pool;
            this.items = new Object[Math.max(initialCapacity, 1)];
        }

        /** As {@link ThreadLocalPool#get()}. */
        public T get() {
            if (Thread.currentThread() != owner) {
                return pool.get();
            }
            return pool.capacityPerThread == 0 ? pool.factory.get() : take();
        }

        /** As {@link ThreadLocalPool#recycle}. */
        public void recycle(T object) {
            if (Thread.currentThread() != owner) {
                pool.recycle(object);
                return;
            }
            Objects.requireNonNull(object, "object");
            if (pool.capacityPerThread > 0) {
                push(object);
            }
        }

        @SuppressWarnings("unchecked")
        private T take() {
            if (size == 0) {
                return pool.factory.get();
            }
            Object item = items[--size];
            items[size] = null;
            return (T) item;
        }

        private void push(Object item) {
            if (size == items.length) {
                int capacity = pool.capacityPerThread;
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
