package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import dev.nutjar.server.config.ConfigLoader;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Sentinel pools against real {@code redis-sentinel} processes: a master killed and its replica
 * promoted under a client writing through Nutjar, a sentinel down at start, a replica given as a
 * master, and a {@code -READONLY} reply that sends Nutjar back to the sentinels.
 */
@ExtendWith(NoLeaks.class)
class SentinelIT {
    @TempDir
    Path dir;

    /**
     * A redis-server whose files go to the test's directory: a replica writes the data of a full
     * sync to disk, and a later redis-server started in the same directory would load it.
     */
    private BackendProcess redis(String... args) throws java.io.IOException {
        // Redis 7 waits 5 s before a diskless full sync; the tests' replicas sync at once.
        List<String> all = new ArrayList<>(List.of("--dir", dir.toString(), "--repl-diskless-sync-delay", "0"));
        all.addAll(List.of(args));
        return BackendProcess.redis(all.toArray(String[]::new));
    }

    /** The lines that make a sentinel watch {@code at} as {@code master}, failing it over quickly. */
    private static List<String> monitor(String master, BackendProcess at, int quorum) {
        return List.of("sentinel monitor " + master + " 127.0.0.1 " + at.port() + " " + quorum,
                "sentinel down-after-milliseconds " + master + " 1000",
                "sentinel failover-timeout " + master + " 3000");
    }

    private static String pool(List<String> sentinels, String... servers) {
        return "  redis: true\n  timeout: 1000\n  sentinels: [" + String.join(", ", sentinels) + "]\n  servers:\n"
                + java.util.Arrays.stream(servers).map(s -> "   - " + s + "\n").collect(Collectors.joining());
    }

    private static List<String> keys(int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(i + ":key"); // varied first bytes: fnv1a_64 clusters keys that differ only at the end
        }
        return keys;
    }

    private static String keyOf(TestProxy proxy, String server) {
        return keys(1000).stream().filter(k -> proxy.serverOf(k).name().equals(server)).findFirst().orElseThrow();
    }

    @Test
    void speaksTlsToTheMastersWithServerTls() throws Exception {
        TestCertificates certificates = new TestCertificates(dir);
        TestCertificates.Pair ca = certificates.authority("sentinel-ca");
        TestCertificates.Pair masterCert = certificates.issue(ca, "master", 2);
        TestCertificates.Pair proxyCert = certificates.issue(ca, "proxy", 2);
        // The master speaks only TLS and wants client certificates; the sentinel reaches it over TLS too.
        try (BackendProcess master = BackendProcess.redisOnTls("--dir", dir.toString(),
                        "--tls-cert-file", masterCert.cert().toString(), "--tls-key-file", masterCert.key().toString(),
                        "--tls-ca-cert-file", ca.cert().toString());
                BackendProcess sentinel = BackendProcess.sentinel(dir, List.of("tls-replication yes",
                        "tls-cert-file " + masterCert.cert(), "tls-key-file " + masterCert.key(),
                        "tls-ca-cert-file " + ca.cert(), "sentinel monitor tm 127.0.0.1 " + master.port() + " 1"));
                TestProxy proxy = TestProxy.startPool("sentineled", pool(List.of(sentinel.address()), "tm:1")
                        + "  server_tls:\n    ca: " + ca.cert() + "\n    cert: " + proxyCert.cert()
                        + "\n    key: " + proxyCert.key() + "\n", 2);
                Jedis client = proxy.jedis()) {
            assertThat(client.set("over-tls", "yes")).isEqualTo("OK");
            assertThat(client.get("over-tls")).isEqualTo("yes");
            try (Jedis direct = new Jedis(new HostAndPort("127.0.0.1", master.port()), DefaultJedisClientConfig.builder()
                    .ssl(true).sslSocketFactory(certificates.socketFactory(ca, proxyCert)).build())) {
                assertThat(direct.get("over-tls")).isEqualTo("yes");
            }
        }
    }

    @Test
    void aKilledMasterFailsOverAndWritesResumeThroughNutjarWithNoKeyMoved() throws Exception {
        try (BackendProcess master = redis();
                BackendProcess replica = redis("--replicaof", "127.0.0.1",
                        String.valueOf(master.port()));
                BackendProcess other = redis()) {
            Await.until("the replica is in sync", Duration.ofSeconds(10),
                    () -> replica.raw("INFO replication\r\n").contains("master_link_status:up"));
            List<String> settings = new ArrayList<>(monitor("m1", master, 2));
            settings.addAll(monitor("m2", other, 2));
            List<BackendProcess> sentinels = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    sentinels.add(BackendProcess.sentinel(dir, settings));
                }
                for (BackendProcess sentinel : sentinels) {
                    Await.until("sentinel " + sentinel.port() + " knows the other two and the replica",
                            Duration.ofSeconds(15),
                            () -> sentinel.raw("SENTINEL SENTINELS m1\r\n").startsWith("*2\r\n")
                                    && sentinel.raw("SENTINEL REPLICAS m1\r\n").startsWith("*1\r\n"));
                }
                failOver(master, replica, other, sentinels);
            } finally {
                sentinels.forEach(BackendProcess::close);
            }
        }
    }

    private void failOver(BackendProcess master, BackendProcess replica, BackendProcess other,
            List<BackendProcess> sentinels) throws Exception {
        List<String> addresses = sentinels.stream().map(BackendProcess::address).toList();
        try (TestProxy proxy = TestProxy.startPool("sentineled", pool(addresses, "m1:1", "m2:1"), 2);
                Jedis client = proxy.jedis()) {
            Map<String, String> placement = new LinkedHashMap<>();
            for (String key : keys(200)) {
                placement.put(key, proxy.serverOf(key).name());
                assertThat(client.set(key, "before:" + key)).isEqualTo("OK");
            }
            assertThat(placement).containsValues("m1", "m2");
            try (Jedis direct = new Jedis("127.0.0.1", master.port())) {
                assertThat(direct.waitReplicas(1, 5000)).isEqualTo(1);
                placement.forEach((key, server) -> assertThat(direct.exists(key)).isEqualTo(server.equals("m1")));
            }

            AtomicLong switchedAt = new AtomicLong();
            CountDownLatch subscribed = new CountDownLatch(1);
            Thread listener = switchListener(sentinels.get(0), subscribed, switchedAt);
            assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();

            String m1Key = keyOf(proxy, "m1");
            String m2Key = keyOf(proxy, "m2");
            long killedAt = System.nanoTime();
            master.kill();
            long firstFailure = 0;
            long resumedAt = 0;
            int failed = 0;
            int afterResume = 0;
            List<String> failuresAfterResume = new ArrayList<>();
            List<String> otherMasterFailures = new ArrayList<>();
            long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; afterResume < 200 && System.nanoTime() < deadline; i++) {
                String value = "after:" + i;
                try {
                    assertThat(client.set(m1Key, value)).isEqualTo("OK");
                    if (failed > 0 && resumedAt == 0) {
                        resumedAt = System.nanoTime();
                    }
                    if (resumedAt != 0) {
                        afterResume++;
                    }
                } catch (JedisDataException e) {
                    if (resumedAt != 0) {
                        failuresAfterResume.add(e.getMessage());
                    } else {
                        failed++;
                        firstFailure = firstFailure == 0 ? System.nanoTime() : firstFailure;
                    }
                    Thread.sleep(5);
                }
                try {
                    assertThat(client.set(m2Key, value)).isEqualTo("OK");
                } catch (JedisDataException e) {
                    otherMasterFailures.add(e.getMessage());
                }
            }
            // The sentinel this test listens to may announce the switch after the one Nutjar heard first.
            long announcedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (switchedAt.get() == 0 && System.nanoTime() < announcedBy) {
                Thread.sleep(10);
            }
            listener.interrupt();
            System.out.printf("sentinel failover timeline (busy machine; ms after the SIGKILL): first failed write"
                    + " %d, +switch-master from sentinel %d, writes through Nutjar resumed %d (%d after the"
                    + " switch); %d writes failed before, %d succeeded after with %d failures%n",
                    millis(firstFailure - killedAt), millis(switchedAt.get() - killedAt),
                    millis(resumedAt - killedAt), millis(resumedAt - switchedAt.get()), failed, afterResume,
                    failuresAfterResume.size());

            assertThat(resumedAt).as("writes resumed through Nutjar after the failover").isNotZero();
            assertThat(failuresAfterResume).as("failures once writes resumed").isEmpty();
            assertThat(otherMasterFailures).as("failures of the master that stayed up").isEmpty();
            assertThat(switchedAt.get()).as("a sentinel announced the switch").isNotZero();
            // No key moved: placement by name is the same, and each key is where its master now is.
            placement.forEach((key, server) -> assertThat(proxy.serverOf(key).name()).isEqualTo(server));
            try (Jedis promoted = new Jedis("127.0.0.1", replica.port());
                    Jedis stayed = new Jedis("127.0.0.1", other.port())) {
                assertThat(promoted.get(m1Key)).startsWith("after:");
                placement.forEach((key, server) -> {
                    Jedis holder = server.equals("m1") ? promoted : stayed;
                    if (!key.equals(m1Key) && !key.equals(m2Key)) {
                        assertThat(holder.get(key)).as(key).isEqualTo("before:" + key);
                        assertThat(client.get(key)).as(key).isEqualTo("before:" + key);
                    }
                });
            }
            assertThat(proxy.poolStats("sentineled")).containsKeys("m1", "m2");
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Records when {@code sentinel} publishes {@code +switch-master}. */
    private static Thread switchListener(BackendProcess sentinel, CountDownLatch subscribed, AtomicLong at) {
        Thread thread = new Thread(() -> {
            try (Jedis jedis = new Jedis("127.0.0.1", sentinel.port())) {
                jedis.subscribe(new JedisPubSub() {
                    @Override
                    public void onSubscribe(String channel, int subscribedChannels) {
                        subscribed.countDown();
                    }

                    @Override
                    public void onMessage(String channel, String message) {
                        at.compareAndSet(0, System.nanoTime());
                        unsubscribe();
                    }
                }, "+switch-master");
            } catch (RuntimeException e) {
                // the test ends before a switch, or the sentinel is closed
            }
        }, "switch-listener");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Test
    void startsWithASentinelDownAndRefusesAReplicaGivenAsMaster() throws Exception {
        try (BackendProcess master = redis();
                BackendProcess replica = redis("--replicaof", "127.0.0.1",
                        String.valueOf(master.port()))) {
            List<String> settings = new ArrayList<>(monitor("good", master, 1));
            settings.addAll(monitor("fake", replica, 1));
            try (BackendProcess sentinel = BackendProcess.sentinel(dir, settings)) {
                String down = "127.0.0.1:" + BackendProcess.freePort();
                try (TestProxy proxy = TestProxy.startPool("sentineled",
                        pool(List.of(down, sentinel.address()), "good:1", "fake:1"), 1);
                        Jedis client = proxy.jedis()) {
                    String goodKey = keyOf(proxy, "good");
                    assertThat(client.set(goodKey, "v")).isEqualTo("OK");
                    assertThat(client.get(goodKey)).isEqualTo("v");
                    Await.until("the replica has the key", Duration.ofSeconds(15),
                            () -> replica.raw("EXISTS " + goodKey + "\r\n").startsWith(":1"));

                    // A replica would answer this read; Nutjar checks ROLE and refuses it.
                    String fakeKey = keyOf(proxy, "fake");
                    JedisDataException refused = catchThrowableOfType(JedisDataException.class,
                            () -> client.get(fakeKey));
                    assertThat(refused).isNotNull();
                    assertThat(refused.getMessage()).contains("not a master");
                    assertThat(client.get(goodKey)).isEqualTo("v");
                }
            }
        }
    }

    @Test
    void aReadOnlyReplySendsNutjarBackToTheSentinels() throws Exception {
        try (BackendProcess first = redis(); BackendProcess second = redis();
                BackendProcess sentinel = BackendProcess.sentinel(dir, monitor("m", first, 1))) {
            // No polling: only the -READONLY reply can make Nutjar ask again.
            String body = pool(List.of(sentinel.address()), "m:1") + "  sentinel_poll_interval: 0\n";
            try (TestProxy proxy = TestProxy.startPool("sentineled", body, 1); Jedis client = proxy.jedis()) {
                assertThat(client.set("k1", "v1")).isEqualTo("OK");

                // The master moves without a +switch-master: the sentinel is re-pointed by hand, and
                // the old master becomes a replica of the new one.
                assertThat(sentinel.raw("SENTINEL REMOVE m\r\n")).startsWith("+OK");
                assertThat(sentinel.raw("SENTINEL MONITOR m 127.0.0.1 " + second.port() + " 1\r\n"))
                        .startsWith("+OK");
                assertThat(first.raw("REPLICAOF 127.0.0.1 " + second.port() + "\r\n")).startsWith("+OK");

                JedisDataException readOnly = catchThrowableOfType(JedisDataException.class,
                        () -> client.set("k2", "v2"));
                assertThat(readOnly).isNotNull();
                assertThat(readOnly.getMessage()).startsWith("READONLY");
                Await.until("writes go to the master the sentinel names now", Duration.ofSeconds(10), () -> {
                    try {
                        return client.set("k3", "v3").equals("OK");
                    } catch (JedisDataException e) {
                        return false;
                    }
                });
                assertThat(second.raw("GET k3\r\n")).isEqualTo("$2\r\nv3\r\n");
            }
            // A master waits for its replicas when stopped; the replica goes first.
            first.kill();
        }
    }

    @Test
    void aReloadedPoolKeepsFollowingItsMastersWithOneWatch() throws Exception {
        try (BackendProcess first = redis(); BackendProcess second = redis();
                BackendProcess sentinel = BackendProcess.sentinel(dir, monitor("m", first, 1))) {
            String body = pool(List.of(sentinel.address()), "m:1");
            try (TestProxy proxy = TestProxy.startPool("reloaded", body + "  sentinel_poll_interval: 0\n", 2);
                    Jedis client = proxy.jedis()) {
                assertThat(client.set("k1", "v1")).isEqualTo("OK");
                String polled = "reloaded:\n  listen: 127.0.0.1:" + proxy.port() + "\n" + body
                        + "  sentinel_poll_interval: 100\n";
                assertThat(proxy.proxy().reload(ConfigLoader.withInstalledProviders().parse(polled, "r.yml"), false)
                        .applied()).isTrue();
                Await.until("the previous generation's watch stopped", Duration.ofSeconds(5),
                        () -> sentinelThreads() == 2);
                assertThat(client.get("k1")).isEqualTo("v1");

                // Re-pointed by hand, no +switch-master, the old master still up: only polling tells.
                assertThat(sentinel.raw("SENTINEL REMOVE m\r\n")).startsWith("+OK");
                assertThat(sentinel.raw("SENTINEL MONITOR m 127.0.0.1 " + second.port() + " 1\r\n"))
                        .startsWith("+OK");
                Await.until("reads go to the master the sentinel names now", Duration.ofSeconds(10), () -> {
                    try {
                        return client.get("k1") == null;
                    } catch (JedisDataException e) {
                        // A read on a connection to the old master when it was closed fails.
                        assertThat(e.getMessage()).contains("the master moved");
                        return false;
                    }
                });
                assertThat(client.set("k2", "v2")).isEqualTo("OK");
                assertThat(second.raw("GET k2\r\n")).isEqualTo("$2\r\nv2\r\n");
            }
        }
        Await.until("no thread watches sentinels once the proxy is closed", Duration.ofSeconds(5),
                () -> sentinelThreads() == 0);
    }

    private static long sentinelThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("nutjar-sentinel-reloaded-")).count();
    }
}
