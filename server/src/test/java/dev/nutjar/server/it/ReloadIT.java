package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.server.EmbeddedProxy;
import dev.nutjar.server.Nutjar;
import dev.nutjar.server.reload.ReloadResult;
import dev.nutjar.server.stats.ProcessStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Reloads of a running proxy, in-process through the embedding API's {@code reload()}, with real
 * redis-servers behind it and real Jedis clients pipelining through every reload: servers, pools
 * and listen addresses come and go, a bad file changes nothing, and 200 reloads in a row under
 * load leak no connection, fd or memory.
 */
@ExtendWith(NoLeaks.class)
class ReloadIT {
    private static final int THREADS = 2;
    private static final int CLIENTS = 4;

    private static RedisShards shards;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        shards = RedisShards.start(4);
    }

    @AfterAll
    static void stop() {
        if (shards != null) {
            shards.close();
        }
    }

    /** Pool alpha on {@code port} over the given shards, plus any more YAML. */
    private static String alpha(int port, List<Integer> shardIndexes, String extra) {
        StringBuilder yaml = new StringBuilder("alpha:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n"
                + "  timeout: 2000\n" + extra + "  servers:\n");
        for (int i : shardIndexes) {
            yaml.append("   - ").append(shards.get(i).address()).append(":1 shard").append(i).append('\n');
        }
        return yaml.toString();
    }

    private static String beta(int port) {
        return "beta:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  distribution: modula\n  servers:\n"
                + "   - " + shards.get(3).address() + ":1\n";
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("nutjar.yml"), yaml);
    }

    private static ReloadResult reload(EmbeddedProxy proxy) {
        ReloadResult result = proxy.reload();
        assertThat(result.applied()).as("reload: %s", result.lines()).isTrue();
        return result;
    }

    @Test
    void clientsPipeliningThroughReloadsSeeNoErrorAndNoClosedConnection() throws Exception {
        int port = BackendProcess.freePort();
        Path file = write(alpha(port, List.of(0, 1, 2), ""));
        try (EmbeddedProxy proxy = Nutjar.builder().config(file).threads(THREADS).start();
                Load load = new Load(port, CLIENTS)) {
            load.awaitRequests(2_000);

            // A server added, one removed: the removed one's connections close once answered.
            write(alpha(port, List.of(0, 1, 2, 3), ""));
            assertThat(reload(proxy).lines()).anyMatch(l -> l.contains("server added"))
                    .anyMatch(l -> l.contains("of the key space changes server"));
            load.awaitRequests(2_000);
            write(alpha(port, List.of(1, 2, 3), ""));
            reload(proxy);
            Await.until("the removed server's connections closed", Duration.ofSeconds(10),
                    () -> proxyConnectionsTo(shards.get(0)) == 0);
            load.awaitRequests(2_000);

            // Settings that take effect: timeout, hash, distribution, auth-free db change (new connections).
            write(alpha(port, List.of(1, 2, 3), "  distribution: modula\n  hash: murmur\n  redis_db: 1\n"));
            reload(proxy);
            load.awaitRequests(2_000);
            try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
                jedis.set("db-one", "yes");
            }
            assertThat(onAnyShard(1, "db-one")).as("written to db 1 after redis_db changed").isTrue();

            // A new pool listens; its listen address changes; then it is removed.
            int betaPort = BackendProcess.freePort();
            String alphaNow = alpha(port, List.of(1, 2, 3), "  distribution: modula\n  hash: murmur\n  redis_db: 1\n");
            write(alphaNow + beta(betaPort));
            reload(proxy);
            try (Jedis beta = new Jedis("127.0.0.1", betaPort, 10_000)) {
                assertThat(beta.set("b", "1")).isEqualTo("OK");
                int betaPort2 = BackendProcess.freePort();
                write(alphaNow + beta(betaPort2));
                reload(proxy);
                // The old address accepts no more, and its client is closed once answered.
                assertClosedSoon(beta);
                assertThat(proxy.address("beta").getPort()).isEqualTo(betaPort2);
                assertThatThrownBy(() -> new Jedis("127.0.0.1", betaPort, 2_000).ping())
                        .isInstanceOf(JedisConnectionException.class);
                try (Jedis moved = new Jedis("127.0.0.1", betaPort2, 10_000)) {
                    assertThat(moved.get("b")).isEqualTo("1");
                }
            }
            try (Jedis beta = new Jedis("127.0.0.1", proxy.address("beta").getPort(), 10_000)) {
                assertThat(beta.get("b")).isEqualTo("1");
                write(alphaNow);
                reload(proxy);
                // A removed pool's client is closed once answered.
                assertClosedSoon(beta);
            }
            assertThatThrownBy(() -> proxy.address("beta")).isInstanceOf(IllegalArgumentException.class);

            // A bad file changes nothing, and is counted.
            long failuresBefore = proxy.proxy().processStat(ProcessStat.RELOAD_FAILURES);
            write(alphaNow.replace("  redis: true\n", "  redis: true\n  unknown_key: 1\n")
                    .replace(":1 shard1", ":0 shard1"));
            ReloadResult bad = proxy.reload();
            assertThat(bad.applied()).isFalse();
            assertThat(bad.lines()).anyMatch(l -> l.contains("line 4: alpha.unknown_key: unknown key"))
                    .anyMatch(l -> l.contains("weight"));
            assertThat(proxy.proxy().processStat(ProcessStat.RELOAD_FAILURES)).isEqualTo(failuresBefore + 1);
            assertThat(proxy.routing("alpha").servers()).hasSize(3);
            load.awaitRequests(2_000);

            load.stop();
            assertThat(load.errors()).as("errors: %s", load.firstError()).isZero();
            assertThat(load.reconnects()).isZero();
        }
    }

    @Test
    void aReloadOverMaxMoveFractionIsRefusedUnlessForced() throws Exception {
        int port = BackendProcess.freePort();
        Path file = write(alpha(port, List.of(0, 1, 2), "  max_move_fraction: 0.05\n"));
        try (EmbeddedProxy proxy = Nutjar.builder().config(file).threads(1).start()) {
            write(alpha(port, List.of(0, 1), "  max_move_fraction: 0.05\n"));
            ReloadResult refused = proxy.reload();
            assertThat(refused.applied()).isFalse();
            assertThat(refused.outcome()).contains("too many keys would move in alpha").contains("--force");
            assertThat(proxy.routing("alpha").servers()).hasSize(3);
            ReloadResult forced = proxy.reload(true);
            assertThat(forced.applied()).isTrue();
            assertThat(proxy.routing("alpha").servers()).hasSize(2);
        }
    }

    @Test
    void twoHundredReloadsUnderLoadLeakNoConnectionFdOrMemory() throws Exception {
        int port = BackendProcess.freePort();
        String three = alpha(port, List.of(0, 1, 2), "");
        String four = alpha(port, List.of(0, 1, 2, 3), "");
        Path file = write(three);
        try (EmbeddedProxy proxy = Nutjar.builder().config(file).threads(THREADS).start();
                Load load = new Load(port, CLIENTS)) {
            load.awaitRequests(5_000);
            long fdsBefore = openFds();
            long heapBefore = usedHeapAfterGc();
            long rssBefore = rssKb();
            for (int i = 0; i < 200; i++) {
                write(i % 2 == 0 ? four : three);
                reload(proxy);
                load.awaitRequests(200);
            }
            assertThat(proxy.routing("alpha").servers()).hasSize(3);
            load.awaitRequests(5_000);
            Await.until("shard 3's connections from the proxy closed", Duration.ofSeconds(10),
                    () -> proxyConnectionsTo(shards.get(3)) == 0);
            // Kept as seen when back: a count read later may catch a transient fd (a file the JVM reads).
            long[] fdsBack = {Long.MAX_VALUE};
            Await.until("the fds back to where they were", Duration.ofSeconds(10),
                    () -> (fdsBack[0] = openFds()) <= fdsBefore);
            long fdsAfter = fdsBack[0];
            long heapAfter = usedHeapAfterGc();
            long rssAfter = rssKb();
            String stats = proxy.stats();
            load.stop();
            System.out.printf("200 reloads under load: %d requests, %d errors, %d reconnects; fds %d -> %d;"
                    + " heap after GC %d KiB -> %d KiB; RSS %d KiB -> %d KiB%n", load.requests(), load.errors(),
                    load.reconnects(), fdsBefore, fdsAfter, heapBefore / 1024, heapAfter / 1024, rssBefore, rssAfter);
            assertThat(load.errors()).as("errors: %s", load.firstError()).isZero();
            assertThat(load.reconnects()).isZero();
            for (int s = 0; s < 3; s++) {
                assertThat(proxyConnectionsTo(shards.get(s))).as("connections to shard %d", s)
                        .isLessThanOrEqualTo(THREADS);
            }
            assertThat(fdsAfter).isLessThanOrEqualTo(fdsBefore);
            assertThat(heapAfter).as("heap after GC").isLessThan(heapBefore + 32L * 1024 * 1024);
            assertThat(stats).as("the clients' connections, all open still").contains("\"client_connections\":" + CLIENTS);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The proxy closes {@code client} (after answering what it sent) within two seconds. */
    private static void assertClosedSoon(Jedis client) {
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                assertThat(client.ping()).isEqualTo("PONG");
                Thread.sleep(20);
            }
        }).isInstanceOf(JedisConnectionException.class);
    }

    /** The connections a shard has open besides the one asking. */
    private static long proxyConnectionsTo(BackendProcess shard) {
        try (Jedis jedis = RedisShards.direct(shard)) {
            return jedis.clientList().lines().filter(l -> !l.isBlank()).count() - 1;
        }
    }

    private static boolean onAnyShard(int db, String key) {
        for (BackendProcess shard : shards.servers()) {
            try (Jedis jedis = RedisShards.direct(shard)) {
                jedis.select(db);
                if (jedis.exists(key)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long openFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /**
     * Clients pipelining SET and GET through the proxy, each on one connection for the whole test:
     * an exception, a wrong reply or a reconnect is counted. A GET may miss (a reload can move its
     * key between the SET and the GET), never answer another key's value.
     */
    private static final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong reconnects = new AtomicLong();
        private final AtomicReference<Throwable> firstError = new AtomicReference<>();
        private final List<Thread> threads = new ArrayList<>();

        Load(int port, int clients) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                Thread thread = new Thread(() -> run(port, client), "load-" + c);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void run(int port, int client) {
            try (Jedis jedis = new Jedis(new redis.clients.jedis.HostAndPort("127.0.0.1", port),
                    redis.clients.jedis.DefaultJedisClientConfig.builder().socketTimeoutMillis(10_000).build())) {
                long round = 0;
                while (running.get()) {
                    Pipeline pipeline = jedis.pipelined();
                    List<Response<String>> sets = new ArrayList<>();
                    List<Response<String>> gets = new ArrayList<>();
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        String key = "k" + client + ":" + ThreadLocalRandom.current().nextInt(1000);
                        String value = key + "=" + round + "." + i;
                        values.add(value);
                        sets.add(pipeline.set(key, value));
                        gets.add(pipeline.get(key));
                    }
                    pipeline.sync();
                    for (int i = 0; i < sets.size(); i++) {
                        if (!"OK".equals(sets.get(i).get())) {
                            fail(new AssertionError("SET answered " + sets.get(i).get()));
                        }
                        String got = gets.get(i).get();
                        if (got != null && !got.equals(values.get(i))) {
                            String key = values.get(i).substring(0, values.get(i).indexOf('='));
                            if (!got.startsWith(key + "=")) {
                                fail(new AssertionError("GET answered another key's value: " + got));
                            }
                        }
                    }
                    requests.addAndGet(2L * sets.size());
                    round++;
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void fail(Throwable e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e);
            if (e instanceof JedisConnectionException) {
                reconnects.incrementAndGet();
                running.set(false);
            }
        }

        /** Waits until {@code more} more requests were answered. */
        void awaitRequests(long more) throws Exception {
            long target = requests.get() + more;
            Await.until(more + " more requests answered (errors: " + errors.get() + ")", Duration.ofSeconds(30),
                    () -> requests.get() >= target || errors.get() > 0);
        }

        void stop() {
            running.set(false);
            try {
                for (Thread thread : threads) {
                    thread.join(15_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long requests() {
            return requests.get();
        }

        long errors() {
            return errors.get();
        }

        long reconnects() {
            return reconnects.get();
        }

        Throwable firstError() {
            return firstError.get();
        }

        @Override
        public void close() {
            stop();
        }
    }
}
