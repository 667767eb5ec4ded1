package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.routing.ServerSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Backends that die or stall under a running proxy: a redis-server killed under load (ejection,
 * rerouting, return after restart), and one stopped with SIGSTOP (per-request timeouts that leave
 * other clients and the connection's later requests untouched).
 */
@ExtendWith(NoLeaks.class)
class BackendFailuresIT {
    private static RedisShards shards;

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(3);
    }

    @AfterAll
    static void stop() {
        if (shards != null) {
            shards.close();
        }
    }

    @Test
    void aBackendKilledUnderLoadFailsOnlyItsKeysIsEjectedAndReturnsAfterRestart() throws Exception {
        try (TestProxy proxy = TestProxy.startPool("gamma", """
                  redis: true
                  auto_eject_hosts: true
                  server_failure_limit: 2
                  server_retry_timeout: 1500
                  timeout: 500
                  servers:
                """ + shards.serversYaml(), 1)) {
            // Where every key lives while all three servers are up; the victim is the first key's server.
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                keys.add(i + ":load"); // varied first bytes: fnv1a_64 clusters keys that differ only at the end
            }
            BackendProcess victim = shards.byPort(proxy.serverOf(keys.get(0)).port());
            Set<String> victimKeys = ConcurrentHashMap.newKeySet();
            for (String key : keys) {
                if (proxy.serverOf(key).port() == victim.port()) {
                    victimKeys.add(key);
                }
            }
            assertThat(victimKeys).isNotEmpty().hasSizeLessThan(keys.size());
            try (Jedis jedis = proxy.jedis()) {
                for (String key : keys) {
                    jedis.set(key, key);
                }
            }

            Map<String, String> errors = new ConcurrentHashMap<>();
            AtomicLong served = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(3);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int worker = w;
                workers.add(load.submit(() -> {
                    try (Jedis jedis = proxy.jedis()) {
                        for (int i = worker; running.get(); i = (i + 3) % keys.size()) {
                            String key = keys.get(i);
                            try {
                                jedis.set(key, key);
                                String value = jedis.get(key);
                                // A key of the victim may move between the SET and the GET.
                                if (!victimKeys.contains(key)) {
                                    assertThat(value).as(key).isEqualTo(key);
                                }
                                served.incrementAndGet();
                            } catch (JedisDataException e) {
                                errors.put(key, e.getMessage());
                            }
                        }
                    }
                    return null;
                }));
            }
            try {
                Await.until("load is served", Duration.ofSeconds(10), () -> served.get() > 300);
                victim.kill();

                Await.until("the killed server is ejected", Duration.ofSeconds(10),
                        () -> proxy.stat("gamma", null, "server_ejects") >= 1);
                assertThat(proxy.stat("gamma", victim.address(), "server_ejected_at")).isPositive();
                // Its keys are now served by the other two.
                try (Jedis jedis = proxy.jedis()) {
                    Await.until("every key of the killed server is served elsewhere", Duration.ofSeconds(10), () -> {
                        try {
                            for (String key : victimKeys) {
                                jedis.set(key, "moved");
                                if (!"moved".equals(jedis.get(key))) {
                                    return false;
                                }
                            }
                            return true;
                        } catch (JedisDataException e) {
                            return false; // the ring came back for a retry while the server is still down
                        }
                    });
                }
                long servedAfterEjection = served.get();
                Await.until("load goes on", Duration.ofSeconds(10), () -> served.get() > servedAfterEjection + 300);

                victim.restart();
                // After server_retry_timeout the server is back on the ring: its keys go to it again.
                String probe = victimKeys.iterator().next();
                try (Jedis jedis = proxy.jedis(); Jedis direct = RedisShards.direct(victim)) {
                    Await.until("keys of the restarted server reach it again", Duration.ofSeconds(15), () -> {
                        try {
                            jedis.set(probe, "back");
                        } catch (JedisDataException e) {
                            return false;
                        }
                        return "back".equals(direct.get(probe));
                    });
                }
                long servedAfterReturn = served.get();
                Await.until("load goes on", Duration.ofSeconds(10), () -> served.get() > servedAfterReturn + 300);
            } finally {
                running.set(false);
                load.shutdown();
                assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
            for (Future<?> worker : workers) {
                worker.get(); // no connection error, no wrong value
            }
            // One loop, one connection per server: the EOF is one failure, so at least one request
            // (the connect that is refused) fails before the ejection.
            assertThat(errors).as("keys that got an error").isNotEmpty();
            assertThat(errors.keySet()).as("only keys of the killed server get errors").isSubsetOf(victimKeys);
            assertThat(errors.values()).allSatisfy(error -> assertThat(error).startsWith("ERR "));
        }
    }

    @Test
    void aStoppedBackendTimesOutOnlyItsRequestsAndLateRepliesAreDiscarded() throws Exception {
        BackendProcess stalled = shards.get(0);
        try (TestProxy proxy = TestProxy.startPool("delta", """
                  redis: true
                  timeout: 1000
                  servers:
                """ + shards.serversYaml(), 1);
                Jedis first = proxy.jedis();
                Jedis second = proxy.jedis()) {
            String[] stalledKeys = keysOn(proxy, stalled, 4);
            String other = keysNotOn(proxy, stalled, 1)[0];
            String key = stalledKeys[0];
            String stale = stalledKeys[1];
            String counter = stalledKeys[2];
            String fresh = stalledKeys[3];
            first.set(key, "own value");
            first.set(stale, "stale value");
            first.set(fresh, "fresh value");
            first.del(counter);
            second.set(other, "other value");

            ExecutorService background = Executors.newSingleThreadExecutor();
            stalled.signal("STOP");
            try {
                Future<String> stuck = background.submit(() -> first.get(key));
                // Another client of the same proxy, with keys elsewhere, is answered meanwhile: each
                // reply well within the timeout the stalled request is waiting out.
                for (int i = 0; i < 20; i++) {
                    long start = System.nanoTime();
                    assertThat(second.get(other)).isEqualTo("other value");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
                }
                assertThatThrownBy(() -> stuck.get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(JedisDataException.class)
                        .hasMessageContaining("ERR Connection timed out");

                // More requests time out while the server is stopped; one of them changes data, and
                // an MGET fails whole when one of its fragments times out.
                Pipeline pipeline = first.pipelined();
                Response<String> staleGet = pipeline.get(stale);
                Response<Long> staleIncr = pipeline.incr(counter);
                Response<List<String>> staleMget = pipeline.mget(other, stale, key);
                Response<String> otherGet = pipeline.get(other);
                pipeline.sync();
                assertThatThrownBy(staleGet::get).isInstanceOf(JedisException.class)
                        .hasMessage("ERR Connection timed out");
                assertThatThrownBy(staleIncr::get).isInstanceOf(JedisException.class)
                        .hasMessage("ERR Connection timed out");
                assertThatThrownBy(staleMget::get).isInstanceOf(JedisException.class)
                        .hasMessage("ERR Connection timed out");
                assertThat(otherGet.get()).isEqualTo("other value");
                assertThat(proxy.stat("delta", stalled.address(), "server_timedout")).isGreaterThanOrEqualTo(4);
            } finally {
                stalled.signal("CONT");
                background.shutdownNow();
            }

            // The late replies ("own value", "stale value", 1) are dropped: each request now gets its own.
            assertThat(first.get(fresh)).isEqualTo("fresh value");
            assertThat(first.incr(counter)).as("the abandoned INCR ran once, late").isEqualTo(2);
            assertThat(first.get(key)).isEqualTo("own value");
            assertThat(first.get(other)).isEqualTo("other value");
            Pipeline pipeline = first.pipelined();
            List<Response<String>> replies = new ArrayList<>();
            for (String k : List.of(fresh, stale, key, other, fresh)) {
                replies.add(pipeline.get(k));
            }
            Response<List<String>> mget = pipeline.mget(stale, other, fresh);
            pipeline.sync();
            assertThat(replies).extracting(Response::get)
                    .containsExactly("fresh value", "stale value", "own value", "other value", "fresh value");
            assertThat(mget.get()).containsExactly("stale value", "other value", "fresh value");
            assertThat(second.get(key)).isEqualTo("own value");
        }
    }

    @Test
    void aLongPipelineToAStoppedBackendTimesOutRequestByRequestAndRecovers() throws Exception {
        BackendProcess stalled = shards.get(1);
        try (TestProxy proxy = TestProxy.startPool("epsilon", """
                  redis: true
                  timeout: 300
                  servers:
                """ + shards.serversYaml(), 1);
                RespClient client = new RespClient(proxy.port(), 20_000)) {
            String[] keys = keysOn(proxy, stalled, 2);
            assertThat(client.call("SET", keys[0], "before")).isEqualTo("OK");
            assertThat(client.call("SET", keys[1], "after")).isEqualTo("OK");
            // A large reply first: the client may then have only a few requests in flight.
            String large = "x".repeat(1 << 20);
            assertThat(client.call("SET", keys[1] + ":large", large)).isEqualTo("OK");
            assertThat(client.call("GET", keys[1] + ":large")).isEqualTo(large.getBytes(StandardCharsets.UTF_8));
            int requests = 200;
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            for (int i = 0; i < requests; i++) {
                pipeline.writeBytes(RespClient.command("GET", keys[0]));
            }
            stalled.signal("STOP");
            try {
                // More requests than the client may have in flight at once: as the first ones time
                // out, the rest are read and sent, and time out in turn.
                client.send(pipeline.toByteArray());
                for (int i = 0; i < requests; i++) {
                    assertThat(client.read()).as("reply %d", i)
                            .isEqualTo(new RespClient.Error("ERR Connection timed out"));
                }
            } finally {
                stalled.signal("CONT");
            }
            assertThat(client.call("GET", keys[1])).isEqualTo("after".getBytes(StandardCharsets.UTF_8));
            assertThat(client.call("GET", keys[0])).isEqualTo("before".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aReplyReadyBeforeOneFromAStoppedBackendIsNotHeldBackByIt() throws Exception {
        BackendProcess stalled = shards.get(2);
        // No timeout, as twemproxy's default: only the proxy's own flushing can release the first reply.
        try (TestProxy proxy = TestProxy.startPool("zeta", """
                  redis: true
                  servers:
                """ + shards.serversYaml(), 1);
                RespClient client = new RespClient(proxy.port(), 10_000)) {
            String ready = keysNotOn(proxy, stalled, 1)[0];
            String late = keysOn(proxy, stalled, 1)[0];
            assertThat(client.call("SET", ready, "ready")).isEqualTo("OK");
            assertThat(client.call("SET", late, "late")).isEqualTo("OK");
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            pipeline.writeBytes(RespClient.command("GET", ready));
            pipeline.writeBytes(RespClient.command("GET", late));
            stalled.signal("STOP");
            try {
                client.send(pipeline.toByteArray());
                // Written while the second reply is still due: it must still leave, not wait for it.
                assertThat(client.read()).isEqualTo("ready".getBytes(StandardCharsets.UTF_8));
            } finally {
                stalled.signal("CONT");
            }
            assertThat(client.read()).isEqualTo("late".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String[] keysOn(TestProxy proxy, BackendProcess server, int count) {
        return keys(proxy, server, count, true);
    }

    private static String[] keysNotOn(TestProxy proxy, BackendProcess server, int count) {
        return keys(proxy, server, count, false);
    }

    private static String[] keys(TestProxy proxy, BackendProcess server, int count, boolean on) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String key = i + ":failure";
            ServerSpec spec = proxy.serverOf(key);
            if ((spec.port() == server.port()) == on) {
                keys.add(key);
            }
        }
        return keys.toArray(String[]::new);
    }
}
