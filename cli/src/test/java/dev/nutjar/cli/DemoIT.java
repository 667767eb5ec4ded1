package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.it.MemcacheWire;
import dev.nutjar.server.it.NoLeaks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code nutjar demo} starts real servers behind the proxy: a Redis pool over three
 * redis-servers and, the memcache protocol being installed, a memcache pool over two memcached.
 * Both pools serve, the sample keys are reported with their shards, and stopping the demo stops
 * every server and removes its files. Without redis-server on the PATH, the real Redis binary of
 * embedded-redis stands in, and the demo says so.
 */
@ExtendWith(NoLeaks.class)
class DemoIT {
    private static final Pattern MEMCACHE_POOL = Pattern.compile(
            "memcached pool 'demo_memcache' on 127\\.0\\.0\\.1:(\\d+), in front of memcached on ports \\[(\\d+), (\\d+)\\]");

    @Test
    void startsServesAndCleansUp() throws Exception {
        runDemo(System.getenv("PATH"), text -> {
            assertThat(text).containsPattern("Using redis-server from the PATH: \\S*/redis-server\n");
            List<Integer> memcached = checkMemcachePool(text);
            return () -> {
                for (int port : memcached) {
                    assertThat(listening(port)).as("memcached on %d stopped with the demo", port).isFalse();
                }
            };
        });
    }

    /** On a machine with Java alone: the Redis binary shipped in embedded-redis, said so, serving real GET/SET. */
    @Test
    void runsTheShippedRedisWhenNoneIsOnThePath(@TempDir Path emptyPath) throws Exception {
        runDemo(emptyPath.toString(), text -> {
            assertThat(text).contains("No redis-server on the PATH: using redis-server-6.2")
                    .contains("the real Redis shipped in com.github.codemonstur:embedded-redis")
                    .contains("(no memcached pool");
            Matcher pool = Pattern.compile("Redis pool 'demo_redis' on 127\\.0\\.0\\.1:(\\d+)").matcher(text);
            assertThat(pool.find()).isTrue();
            try (Jedis client = new Jedis("127.0.0.1", Integer.parseInt(pool.group(1)), 10_000)) {
                for (int i = 0; i < 50; i++) {
                    assertThat(client.set("shipped:" + i, "value " + i)).isEqualTo("OK");
                }
                for (int i = 0; i < 50; i++) {
                    assertThat(client.get("shipped:" + i)).isEqualTo("value " + i);
                }
                assertThat(client.get("user:1")).as("a sample key the demo wrote").isEqualTo("demo");
            }
            return () -> { };
        });
    }

    /** What a running demo is checked for; returns what to check once it has stopped. */
    private interface WhileRunning {
        Runnable check(String output) throws Exception;
    }

    private static void runDemo(String searchPath, WhileRunning whileRunning) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CountDownLatch stop = new CountDownLatch(1);
        DemoCommand demo = new DemoCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stop, searchPath);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> status = executor.submit(demo::run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!out.toString(StandardCharsets.UTF_8).contains("Press Ctrl-C") && !status.isDone()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(text).as("stderr: %s", err.toString(StandardCharsets.UTF_8)).contains("Press Ctrl-C");
            assertThat(text).contains("redis-cli -p ").contains("user:1").contains("-> redis");
            assertThat(text).doesNotContain("write failed");
            Matcher config = Pattern.compile("configuration: (\\S+)\\)").matcher(text);
            assertThat(config.find()).isTrue();
            Path dir = Path.of(config.group(1)).getParent();
            assertThat(dir).exists();

            Runnable afterStop = whileRunning.check(text);

            stop.countDown();
            assertThat(status.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(Files.exists(dir)).as("demo files removed").isFalse();
            afterStop.run();
        } finally {
            stop.countDown();
            executor.shutdownNow();
        }
    }

    /** The memcache pool serves, and each key is on exactly one of its two memcached; returns their ports. */
    private static List<Integer> checkMemcachePool(String text) throws IOException {
        Matcher pool = MEMCACHE_POOL.matcher(text);
        assertThat(pool.find()).as("the memcache pool in: %s", text).isTrue();
        int proxy = Integer.parseInt(pool.group(1));
        List<Integer> memcached = List.of(Integer.parseInt(pool.group(2)), Integer.parseInt(pool.group(3)));
        int[] held = new int[2];
        try (MemcacheWire client = new MemcacheWire(proxy)) {
            for (int i = 0; i < 20; i++) {
                client.send("set demo:" + i + " 0 0 1\r\n" + (i % 10) + "\r\n").expect("STORED\r\n");
            }
            client.send("get demo:0 demo:19\r\n").expect("VALUE demo:0 0 1\r\n0\r\nVALUE demo:19 0 1\r\n9\r\nEND\r\n");
            assertThat(client.call("version\r\n")).startsWith("VERSION ");
        }
        for (int s = 0; s < 2; s++) {
            try (MemcacheWire direct = new MemcacheWire(memcached.get(s))) {
                StringBuilder get = new StringBuilder("get");
                for (int i = 0; i < 20; i++) {
                    get.append(" demo:").append(i);
                }
                direct.send(get.append("\r\n").toString());
                held[s] = direct.blocks().size();
            }
        }
        assertThat(held[0] + held[1]).as("each key on exactly one memcached").isEqualTo(20);
        return memcached;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
