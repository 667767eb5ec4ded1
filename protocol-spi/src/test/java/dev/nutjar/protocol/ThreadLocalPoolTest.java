package dev.nutjar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadLocalPoolTest {

    @Test
    void anObjectReturnedIsHandedOutAgainOnTheSameThread() {
        ThreadLocalPool<StringBuilder> pool = new ThreadLocalPool<>(StringBuilder::new, 4);
        StringBuilder first = pool.get();
        pool.recycle(first);

        assertThat(pool.get()).isSameAs(first);
        assertThat(pool.get()).isNotSameAs(first);
    }

    @Test
    void makesNewObjectsWhenTheListIsEmpty() {
        AtomicInteger made = new AtomicInteger();
        ThreadLocalPool<Object> pool = new ThreadLocalPool<>(() -> {
            made.incrementAndGet();
            return new Object();
        }, 4);

        Object a = pool.get();
        Object b = pool.get();

        assertThat(a).isNotSameAs(b);
        assertThat(made).hasValue(2);
    }

    @Test
    void keepsAtMostItsCapacityPerThread() {
        ThreadLocalPool<Object> pool = new ThreadLocalPool<>(Object::new, 100);
        List<Object> taken = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            taken.add(pool.get());
        }
        taken.forEach(pool::recycle);

        assertThat(pool.pooledOnThisThread()).isEqualTo(100);
        // Last in, first out: the most recently returned objects are the ones kept.
        assertThat(pool.get()).isSameAs(taken.get(99));
    }

    @Test
    void capacityZeroPoolsNothing() {
        ThreadLocalPool<Object> pool = new ThreadLocalPool<>(Object::new, 0);
        Object first = pool.get();
        pool.recycle(first);

        assertThat(pool.get()).isNotSameAs(first);
        assertThat(pool.pooledOnThisThread()).isZero();
    }

    @Test
    void anObjectReturnedOnAnotherThreadJoinsThatThreadsList() throws Exception {
        ThreadLocalPool<Object> pool = new ThreadLocalPool<>(Object::new, 4);
        Object mine = pool.get();
        AtomicReference<Object> seenThere = new AtomicReference<>();
        Thread other = new Thread(() -> {
            pool.recycle(mine);
            seenThere.set(pool.get());
        });
        other.start();
        other.join();

        assertThat(seenThere.get()).isSameAs(mine);
        assertThat(pool.pooledOnThisThread()).isZero();
        assertThat(pool.get()).isNotSameAs(mine);
    }

    @Test
    void rejectsANegativeCapacityNamingIt() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ThreadLocalPool<>(Object::new, -1))
                .withMessageContaining("capacityPerThread")
                .withMessageContaining("-1");
    }

    @Test
    void aLocalIsThisThreadsListItself() {
        ThreadLocalPool<Object> pool = new ThreadLocalPool<>(Object::new, 4);
        ThreadLocalPool.Local<Object> local = pool.local();
        Object viaLocal = local.get();
        local.recycle(viaLocal);

        assertThat(pool.pooledOnThisThread()).isEqualTo(1);
        assertThat(pool.get()).isSameAs(viaLocal);
        pool.recycle(viaLocal);
        assertThat(local.get()).isSameAs(viaLocal);
    }

    @Test
    void aLocalUsedOnAnotherThreadGoesThroughThatThreadsList() throws Exception {
        ThreadLocalPool<Object> pool = new ThreadLocalPool<>(Object::new, 4);
        ThreadLocalPool.Local<Object> mine = pool.local();
        Object object = mine.get();
        AtomicReference<Object> seenThere = new AtomicReference<>();
        AtomicInteger keptThere = new AtomicInteger();
        Thread other = new Thread(() -> {
            mine.recycle(object);
            keptThere.set(pool.pooledOnThisThread());
            seenThere.set(mine.get());
        });
        other.start();
        other.join();

        assertThat(keptThere).hasValue(1);
        assertThat(seenThere.get()).isSameAs(object);
        assertThat(pool.pooledOnThisThread()).isZero();
    }

    @Test
    void aLocalOfAPoolOfCapacityZeroPoolsNothing() {
        ThreadLocalPool.Local<Object> local = new ThreadLocalPool<>(Object::new, 0).local();
        Object first = local.get();
        local.recycle(first);

        assertThat(local.get()).isNotSameAs(first);
    }
}
