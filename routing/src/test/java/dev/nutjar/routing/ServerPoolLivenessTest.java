package dev.nutjar.routing;

import static dev.nutjar.routing.ServerPoolTest.specs;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServerPoolLivenessTest {
    private static final dev.nutjar.hash.HashFunction FNV1A_64 = dev.nutjar.hash.HashFunctions.get("fnv1a_64");


    private static final long RETRY_MILLIS = 5_000;
    private static final Instant EJECTED_AT = Instant.parse("2026-01-02T03:04:05.123456789Z");

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> events = new ArrayList<>();

    @Test
    void ejectsAfterTheFailureLimitAndRebuildsAtOnce() {
        ServerPool pool = pool("ketama", 2, "h:1:1", "h:2:1", "h:3:1");
        int victim = pool.route(key(0));

        pool.recordFailure(victim);
        assertThat(pool.isEjected(victim)).isFalse();
        assertThat(pool.consecutiveFailures(victim)).isEqualTo(1);

        pool.recordFailure(victim);
        assertThat(pool.isEjected(victim)).isTrue();
        assertThat(pool.liveServerCount()).isEqualTo(2);
        assertThat(pool.consecutiveFailures(victim)).isZero();
        assertThat(pool.ejectionCount()).isEqualTo(1);
        assertThat(pool.ejectionCount(victim)).isEqualTo(1);
        assertThat(pool.lastEjectedAtMicros(victim)).isEqualTo(1767323045123456L);
        assertThat(pool.lastEjectedAtMicros((victim + 1) % 3)).isZero();
        assertThat(pool.route(key(0))).isNotEqualTo(victim);
        assertThat(events).containsExactly("ejected " + victim);
    }

    @Test
    void onlyConsecutiveFailuresCount() {
        ServerPool pool = pool("ketama", 2, "h:1:1", "h:2:1");
        pool.recordFailure(0);
        pool.recordSuccess(0);
        pool.recordFailure(0);
        assertThat(pool.isEjected(0)).isFalse();
        pool.recordFailure(0);
        assertThat(pool.isEjected(0)).isTrue();
    }

    @Test
    void limitsZeroAndOneBothEjectOnTheFirstFailure() {
        for (int limit : new int[] {0, 1}) {
            ServerPool pool = pool("ketama", limit, "h:1:1", "h:2:1");
            pool.recordFailure(1);
            assertThat(pool.isEjected(1)).as("limit %d", limit).isTrue();
        }
    }

    @Test
    void withoutAutoEjectNothingIsEverEjected() {
        ServerPool pool = ServerPool.builder("p")
                .servers(specs("h:1:1", "h:2:1"))
                .hashFunction(FNV1A_64)
                .serverFailureLimit(1)
                .ticker(ticker)
                .build();
        for (int i = 0; i < 100; i++) {
            pool.recordFailure(0);
        }
        assertThat(pool.isEjected(0)).isFalse();
        assertThat(pool.consecutiveFailures(0)).isZero();
        assertThat(pool.ejectionCount()).isZero();
        assertThat(pool.liveServerCount()).isEqualTo(2);
    }

    @Test
    void serverReturnsOnTheFirstRouteOnceItsRetryTimeHasPassed() {
        ServerPool pool = pool("modula", 1, "h:1:1", "h:2:1", "h:3:1");
        pool.recordFailure(1);
        ticker.advance(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS) - 1);
        pool.route(key(1));
        assertThat(pool.isEjected(1)).isTrue();

        ticker.advance(1);
        assertThat(pool.isEjected(1)).as("return is lazy: no route yet").isTrue();
        pool.route(key(1));
        assertThat(pool.isEjected(1)).isFalse();
        assertThat(pool.liveServerCount()).isEqualTo(3);
        assertThat(events).containsExactly("ejected 1", "returned 1");
    }

    @Test
    void everyServerWhoseTimeHasComeReturnsAtOnce() {
        ServerPool pool = pool("ketama", 1, "h:1:1", "h:2:1", "h:3:1", "h:4:1");
        pool.recordFailure(0);
        ticker.advance(TimeUnit.SECONDS.toNanos(1));
        pool.recordFailure(2);
        ticker.advance(TimeUnit.SECONDS.toNanos(1));
        pool.recordFailure(3);
        assertThat(pool.liveServerCount()).isEqualTo(1);

        // t = 6 s: server 0 (due at 5 s) and server 2 (due at 6 s) are both back; server 3 (due at 7 s) is not.
        ticker.advance(TimeUnit.SECONDS.toNanos(4));
        pool.route(key(0));
        assertThat(pool.isEjected(0)).isFalse();
        assertThat(pool.isEjected(2)).isFalse();
        assertThat(pool.isEjected(3)).isTrue();
        assertThat(events).containsExactly("ejected 0", "ejected 2", "ejected 3", "returned 0", "returned 2");
    }

    @Test
    void aReturningServerStartsCountingFromZero() {
        ServerPool pool = pool("ketama", 2, "h:1:1", "h:2:1");
        pool.recordFailure(0);
        pool.recordFailure(0);
        ticker.advance(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
        pool.route(key(0));
        assertThat(pool.isEjected(0)).isFalse();

        pool.recordFailure(0);
        assertThat(pool.isEjected(0)).isFalse();
        pool.recordFailure(0);
        assertThat(pool.isEjected(0)).isTrue();
        assertThat(pool.ejectionCount(0)).isEqualTo(2);
    }

    @Test
    void failuresOfAnEjectedServerEjectItAgainAsNutcrackerDoes() {
        ServerPool pool = pool("ketama", 1, "h:1:1", "h:2:1");
        pool.recordFailure(0);
        ticker.advance(TimeUnit.SECONDS.toNanos(4));
        pool.recordFailure(0); // e.g. a request in flight on its old connection times out
        assertThat(pool.ejectionCount()).isEqualTo(2);

        ticker.advance(TimeUnit.SECONDS.toNanos(2)); // 6 s after the first ejection, 2 s after the second
        pool.route(key(0));
        assertThat(pool.isEjected(0)).isTrue();
        ticker.advance(TimeUnit.SECONDS.toNanos(3));
        pool.route(key(0));
        assertThat(pool.isEjected(0)).isFalse();
    }

    @Test
    void withEveryServerEjectedNothingIsRoutedUntilARetryIsDue() {
        ServerPool pool = pool("ketama", 1, "h:1:1", "h:2:1");
        pool.recordFailure(0);
        pool.recordFailure(1);
        for (int i = 0; i < 100; i++) {
            assertThat(pool.route(key(i))).isEqualTo(ServerPool.NO_SERVER);
        }
        assertThat(pool.liveServerCount()).isZero();

        ticker.advance(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
        assertThat(pool.route(key(0))).isNotEqualTo(ServerPool.NO_SERVER);
        assertThat(pool.liveServerCount()).isEqualTo(2);
    }

    @Test
    void aOneServerPoolCanLoseItsOnlyServer() {
        ServerPool pool = pool("modula", 1, "h:1:1");
        assertThat(pool.route(key(3))).isZero();
        pool.recordFailure(0);
        assertThat(pool.route(key(3))).isEqualTo(ServerPool.NO_SERVER);
        ticker.advance(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
        assertThat(pool.route(key(3))).isZero();
    }

    @Test
    void ejectingAnEqualWeightKetamaServerMovesOnlyItsOwnKeys() {
        ServerPool pool = pool("ketama", 1, "h:1:1", "h:2:1", "h:3:1", "h:4:1", "h:5:1");
        int keys = 5000;
        int[] before = new int[keys];
        for (int i = 0; i < keys; i++) {
            before[i] = pool.route(key(i));
        }
        int victim = 3;
        pool.recordFailure(victim);
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            int after = pool.route(key(i));
            assertThat(after).isNotEqualTo(victim);
            if (before[i] == victim) {
                moved++;
            } else {
                assertThat(after).as("key %d", i).isEqualTo(before[i]);
            }
        }
        assertThat(moved).as("the victim had keys").isGreaterThan(0);

        ticker.advance(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
        for (int i = 0; i < keys; i++) {
            assertThat(pool.route(key(i))).isEqualTo(before[i]);
        }
    }

    @Test
    void modulaRedistributesOverTheLiveWeights() {
        ServerPool pool = pool("modula", 1, "h:1:1", "h:2:2", "h:3:1");
        pool.recordFailure(1);
        // Live slots: [0, 2]; a key goes to slot hash % 2.
        for (int i = 0; i < 200; i++) {
            long hash = pool.hash(key(i));
            assertThat(pool.route(key(i))).isEqualTo(hash % 2 == 0 ? 0 : 2);
        }
    }

    @Test
    void concurrentFailuresAreCountedExactly() throws InterruptedException {
        ServerPool pool = pool("ketama", 2, "h:1:1", "h:2:1", "h:3:1");
        int threads = 4;
        int failuresEach = 10_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> workerFailure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < failuresEach; i++) {
                    pool.recordFailure(0);
                    assertThat(pool.route(key(i))).isBetween(0, 2);
                }
            });
            worker.setUncaughtExceptionHandler((thread, e) -> workerFailure.compareAndSet(null, e));
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(workerFailure.get()).isNull();
        // Every second failure ejects (again), whatever the interleaving.
        assertThat(pool.ejectionCount()).isEqualTo(threads * failuresEach / 2);
        assertThat(pool.isEjected(0)).isTrue();
    }

    private ServerPool pool(String distribution, int failureLimit, String... entries) {
        return ServerPool.builder("p")
                .servers(specs(entries))
                .hashFunction(FNV1A_64)
                .distribution(Distributions.get(distribution))
                .autoEjectHosts(true)
                .serverFailureLimit(failureLimit)
                .serverRetryTimeoutMillis(RETRY_MILLIS)
                .ticker(ticker)
                .clock(Clock.fixed(EJECTED_AT, ZoneOffset.UTC))
                .listener(new ServerPool.Listener() {
                    @Override
                    public void serverEjected(ServerPool pool, int server) {
                        events.add("ejected " + server);
                    }

                    @Override
                    public void serverReturned(ServerPool pool, int server) {
                        events.add("returned " + server);
                    }
                })
                .build();
    }

    private static byte[] key(int i) {
        return ("key:" + i + ":" + (i * 7919)).getBytes(StandardCharsets.US_ASCII);
    }

    /** Time that moves only when told; starts near the wrap-around to prove differences are used. */
    private static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(3));

        @Override
        public long nanos() {
            return nanos.get();
        }

        void advance(long delta) {
            nanos.addAndGet(delta);
        }
    }
}
