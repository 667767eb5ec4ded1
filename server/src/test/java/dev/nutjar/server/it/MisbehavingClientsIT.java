package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/**
 * Clients that misbehave — malformed bytes, vanishing mid-pipeline, never reading their replies,
 * one too many — against a proxy on one event loop in front of three real redis-server shards.
 * Whatever one client does, the others keep being served, and nothing leaks.
 */
@ExtendWith(NoLeaks.class)
class MisbehavingClientsIT {
    private static final String POOL = "beta";

    private static RedisShards shards;
    private static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(3);
        proxy = TestProxy.startPool(POOL, """
                  redis: true
                  servers:
                """ + shards.serversYaml(), 1);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @Test
    void malformedRespGetsAProtocolErrorAndTheConnectionIsClosed() throws Exception {
        try (Jedis bystander = proxy.jedis()) {
            bystander.set("mal:1", "fine");
            for (String garbage : List.of("*1\r\n$x\r\n", "*1\r\n$3\r\nGETX\r\n", "PING \"x\r\n", "*-5\r\n",
                    "*2\r\n$3\r\nGET\r\n:1\r\n")) {
                try (RespClient client = new RespClient(proxy.port())) {
                    client.sendRaw(garbage);
                    Object reply = client.read();
                    assertThat(reply).as("reply to %s", garbage.replace("\r\n", "\\r\\n"))
                            .isInstanceOfSatisfying(RespClient.Error.class,
                                    error -> assertThat(error.message()).startsWith("ERR Protocol error: "));
                    assertThat(client.closedByPeer()).as("closed after %s", garbage).isTrue();
                }
                assertThat(bystander.get("mal:1")).isEqualTo("fine");
            }
            // Replies owed for the requests before the garbage are sent first.
            try (RespClient client = new RespClient(proxy.port())) {
                client.send(RespClient.command("GET", "mal:1"));
                client.sendRaw("*1\r\n$x\r\n");
                assertThat(client.read()).isEqualTo("fine".getBytes());
                assertThat(client.read()).isInstanceOf(RespClient.Error.class);
                assertThat(client.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void quitAnswersWhatCameBeforeItAndCloses() throws Exception {
        try (RespClient client = new RespClient(proxy.port())) {
            client.send(RespClient.command("SET", "quit:1", "q"));
            client.send(RespClient.command("GET", "quit:1"));
            client.send(RespClient.command("QUIT"));
            client.send(RespClient.command("SET", "quit:1", "after quit"));
            assertThat(client.read()).isEqualTo("OK");
            assertThat(client.read()).isEqualTo("q".getBytes());
            assertThat(client.read()).isEqualTo("OK");
            assertThat(client.closedByPeer()).isTrue();
        }
        try (Jedis jedis = proxy.jedis()) {
            assertThat(jedis.get("quit:1")).as("nothing after QUIT is run").isEqualTo("q");
        }
    }

    @Test
    void aClientThatShutsItsOutputGetsEveryReplyThenTheClose() throws Exception {
        try (RespClient client = new RespClient(proxy.port())) {
            for (int i = 0; i < 500; i++) {
                client.send(RespClient.command("SET", i + ":half", "v" + i));
            }
            client.send(RespClient.command("MGET", "1:half", "2:half", "3:half"));
            client.socket().shutdownOutput();
            for (int i = 0; i < 500; i++) {
                assertThat(client.read()).isEqualTo("OK");
            }
            assertThat((List<?>) client.read()).extracting(v -> new String((byte[]) v)).containsExactly("v1", "v2", "v3");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void clientsThatVanishMidPipelineLeaveTheProxyHealthy() throws Exception {
        try (Jedis bystander = proxy.jedis()) {
            bystander.set("vanish:big", "x".repeat(64 * 1024));
            byte[] burst = repeat(RespClient.command("GET", "vanish:big"), 2000);
            for (int round = 0; round < 10; round++) {
                Socket socket = new Socket("127.0.0.1", proxy.port());
                OutputStream out = socket.getOutputStream();
                out.write(burst);
                out.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nhalf".getBytes()); // cut mid-request
                out.flush();
                if (round % 2 == 0) {
                    socket.setSoLinger(true, 0); // a reset rather than a FIN
                }
                socket.close();
                assertThat(bystander.get("vanish:big")).hasSize(64 * 1024);
            }
            long clients = 1; // the bystander
            Await.until("only the bystander is connected", Duration.ofSeconds(10),
                    () -> proxy.stat(POOL, null, "client_connections") == clients);
            Await.until("no request is left waiting on a backend", Duration.ofSeconds(10), () -> {
                Map<String, Object> pool = proxy.poolStats(POOL);
                return pool.values().stream().filter(v -> v instanceof Map).map(Json::object)
                        .allMatch(server -> (Long) server.get("out_queue") == 0 && (Long) server.get("in_queue") == 0);
            });
            assertThat(bystander.ping()).isEqualTo("PONG");
            assertThat(bystander.get("vanish:big")).hasSize(64 * 1024);
        }
    }

    @Test
    void aClientThatNeverReadsIsNoLongerReadFromAndOthersAreStillServed() throws Exception {
        // 2,000,000 GETs of a 100-byte value: 200 MB of replies, 64 MB of requests.
        long sent = floodWithoutReading("flood:small", 100, 2_000_000);
        assertThat(sent).as("GETs the flooder could send before the proxy stopped reading").isLessThan(1_000_000);
    }

    @Test
    void largeRepliesToAClientThatNeverReadsStayBounded() throws Exception {
        // 3,200 GETs of a 64 KB value: 200 MB of replies from 100 KB of requests.
        floodWithoutReading("flood:large", 64 * 1024, 3_200);
    }

    /**
     * One client sends {@code gets} GETs of a value of {@code valueSize} bytes and reads nothing,
     * while another keeps being answered. The flooder's requests are read only while its replies
     * are bounded: the proxy's memory stays far below the 200 MB it asked for.
     */
    private static long floodWithoutReading(String key, int valueSize, int gets) throws Exception {
        ByteBufAllocatorMetricProvider allocator = (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
        try (Jedis bystander = proxy.jedis()) {
            bystander.set(key, "v".repeat(valueSize));
            bystander.set(key + ":other", "still served");
            long baseline = allocator.metric().usedDirectMemory();
            byte[] batch = repeat(RespClient.command("GET", key), 1000);
            Socket flooder = new Socket("127.0.0.1", proxy.port());
            AtomicLong sent = new AtomicLong();
            AtomicReference<Throwable> writerEnd = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = flooder.getOutputStream();
                    for (int i = 0; i < gets / 1000; i++) {
                        out.write(batch);
                        sent.addAndGet(1000);
                    }
                    out.flush();
                } catch (Throwable e) {
                    writerEnd.set(e);
                }
            }, "flooder");
            writer.setDaemon(true);
            long peak = 0;
            List<Long> latencies = new ArrayList<>();
            try {
                writer.start();
                // Served while the flood goes on: 50 round trips, each answered.
                long stalledSince = System.nanoTime();
                long lastSent = -1;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                for (int i = 0; System.nanoTime() < deadline; i++) {
                    long start = System.nanoTime();
                    assertThat(bystander.get(key + ":other")).isEqualTo("still served");
                    latencies.add((System.nanoTime() - start) / 1_000_000);
                    peak = Math.max(peak, allocator.metric().usedDirectMemory() - baseline);
                    long now = sent.get();
                    if (now != lastSent) {
                        lastSent = now;
                        stalledSince = System.nanoTime();
                    }
                    boolean stalled = System.nanoTime() - stalledSince > Duration.ofSeconds(1).toNanos();
                    if (i >= 50 && (stalled || !writer.isAlive())) {
                        break;
                    }
                    Thread.sleep(10);
                }
            } finally {
                flooder.setSoLinger(true, 0);
                flooder.close();
                writer.join(10_000);
            }
            long requested = (long) gets * valueSize;
            System.out.printf("flood of %d GETs of %d bytes: %d sent before the proxy stopped reading, "
                    + "peak direct memory +%d MB, bystander latency max %d ms%n", gets, valueSize, sent.get(),
                    peak >> 20, latencies.stream().mapToLong(Long::longValue).max().orElse(0));
            assertThat(latencies).hasSizeGreaterThanOrEqualTo(50);
            assertThat(latencies).as("the bystander's round trips, in ms").allSatisfy(ms -> assertThat(ms).isLessThan(5000));
            assertThat(peak).as("direct memory held for a client that asked for %d MB", requested >> 20)
                    .isLessThan(64L << 20);
            Await.until("the flooder is gone", Duration.ofSeconds(10),
                    () -> proxy.stat(POOL, null, "client_connections") == 1);
            assertThat(bystander.get(key + ":other")).isEqualTo("still served");
            return sent.get();
        }
    }

    private static byte[] repeat(byte[] bytes, int times) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * times);
        for (int i = 0; i < times; i++) {
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    @Test
    @SuppressWarnings("try") // the first client is closed inside its block, to free its slot
    void clientConnectionsLimitRefusesTheThirdClientWithAnErrorUntilASlotIsFree() throws Exception {
        try (TestProxy limited = TestProxy.startPool("limited", """
                  redis: true
                  client_connections: 2
                  servers:
                """ + shards.serversYaml(), 1);
                RespClient first = new RespClient(limited.port());
                RespClient second = new RespClient(limited.port())) {
            assertThat(first.call("PING")).isEqualTo("PONG");
            assertThat(second.call("PING")).isEqualTo("PONG");
            try (RespClient third = new RespClient(limited.port())) {
                assertThat(third.read()).isEqualTo(new RespClient.Error("ERR max number of clients reached"));
                assertThat(third.closedByPeer()).isTrue();
            }
            assertThat(limited.stat("limited", null, "client_connections")).isEqualTo(2);
            hangUp(first);
            // The slot is freed once the proxy has seen the close.
            Await.until("a new client is served", Duration.ofSeconds(10), () -> {
                try (RespClient next = new RespClient(limited.port(), 2000)) {
                    return "PONG".equals(next.call("PING"));
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(second.call("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void statsPortServesNutcrackersLayoutWithRealCounters() throws Exception {
        // Clients of earlier tests are gone once the proxy has seen them close.
        Await.until("no client is connected", Duration.ofSeconds(10),
                () -> proxy.stat(POOL, null, "client_connections") == 0);
        String text = proxy.statsText();
        assertThat(text).startsWith("{\"service\":\"nutcracker\", \"source\":\"").endsWith("}}}\n")
                .contains("\"version\":\"0.5.0\", \"uptime\":").contains(", \"" + POOL + "\": {\"client_eof\":");
        Map<String, Object> stats = Json.object(Json.parse(text));
        assertThat(stats.keySet()).containsExactly("service", "source", "version", "uptime", "timestamp",
                "total_connections", "curr_connections", POOL);
        Map<String, Object> pool = Json.object(stats.get(POOL));
        List<String> serverNames = shards.servers().stream().map(BackendProcess::address).toList();
        List<String> expectedPoolKeys = new ArrayList<>(List.of("client_eof", "client_err", "client_connections",
                "server_ejects", "forward_error", "fragments"));
        expectedPoolKeys.addAll(serverNames.stream().sorted().toList());
        assertThat(pool.keySet()).containsExactlyInAnyOrderElementsOf(expectedPoolKeys);
        for (String server : serverNames) {
            assertThat(Json.object(pool.get(server)).keySet()).containsExactly("server_eof", "server_err",
                    "server_timedout", "server_connections", "server_ejected_at", "requests", "request_bytes",
                    "responses", "response_bytes", "in_queue", "in_queue_bytes", "out_queue", "out_queue_bytes");
        }

        long requestsBefore = sum(pool, "requests");
        long responsesBefore = sum(pool, "responses");
        long fragmentsBefore = (Long) pool.get("fragments");
        long clientsBefore = (Long) pool.get("client_connections");
        try (Jedis jedis = proxy.jedis(); Jedis second = proxy.jedis()) {
            assertThat(second.ping()).isEqualTo("PONG");
            for (int i = 0; i < 100; i++) {
                jedis.set(i + ":stats", "v");
            }
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                keys.add(i + ":stats");
            }
            assertThat(jedis.mget(keys.toArray(String[]::new))).hasSize(100).doesNotContainNull();
            Map<String, Object> after = proxy.poolStats(POOL);
            assertThat((Long) after.get("client_connections")).isEqualTo(clientsBefore + 2);
            // The MGET was split into one fragment per server its keys live on.
            long servers = keys.stream().map(k -> proxy.serverOf(k).port()).distinct().count();
            assertThat(servers).isGreaterThan(1);
            assertThat((Long) after.get("fragments") - fragmentsBefore).isEqualTo(servers);
            assertThat(sum(after, "requests") - requestsBefore).isEqualTo(100 + servers);
            assertThat(sum(after, "responses") - responsesBefore).isEqualTo(100 + servers);
            for (String server : serverNames) {
                Map<String, Object> s = Json.object(after.get(server));
                assertThat((Long) s.get("server_connections")).isEqualTo(1);
                assertThat((Long) s.get("request_bytes")).isPositive();
                assertThat((Long) s.get("response_bytes")).isPositive();
            }
            assertThat((Long) stats.get("curr_connections")).isPositive();
        }
        Await.until("client_connections falls back", Duration.ofSeconds(10),
                () -> proxy.stat(POOL, null, "client_connections") == clientsBefore);
    }

    private static long sum(Map<String, Object> pool, String field) {
        return pool.values().stream().filter(v -> v instanceof Map).map(Json::object)
                .mapToLong(server -> (Long) server.get(field)).sum();
    }

    /** Closes a client in the middle of a test; its try-with-resources closes it again, harmlessly. */
    private static void hangUp(RespClient client) throws Exception {
        client.close();
    }
}
