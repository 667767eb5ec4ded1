package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.reload.ReloadResult;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The commands twemproxy refuses and Nutjar answers, against three real redis-servers: connection
 * commands the proxy answers itself (with Jedis and Lettuce), commands sent to every server and
 * merged, SCAN across the servers (Jedis, redis-py's {@code scan_iter}, {@code redis-cli --scan}),
 * and {@code redis-cli --pipe}, which sends a blank line and ECHO at its end.
 */
@ExtendWith(NoLeaks.class)
class RedisCommandsIT {
    private static final int KEYS = 100_000;
    /** Debian's python3 with python3-redis; the python3 first on a PATH may lack the module. */
    private static final String PYTHON = "/usr/bin/python3";

    private static RedisShards shards;
    private static TestProxy proxy;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(3);
        proxy = TestProxy.startPool("alpha", "  redis: true\n  allow_commands: [keys, flushdb]\n  servers:\n"
                + shards.serversYaml(), 2);
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
    void connectionCommandsAreAnsweredByTheProxyPerClient() {
        try (Jedis one = proxy.jedis(); Jedis two = proxy.jedis()) {
            assertThat(one.echo("hello")).isEqualTo("hello");
            assertThat(one.ping("msg")).isEqualTo("msg");
            assertThat(one.select(0)).isEqualTo("OK");
            assertThatThrownBy(() -> one.select(2)).isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("nutjar serves database 0");
            assertThat(one.clientSetname("first")).isEqualTo("OK");
            assertThat(one.clientGetname()).isEqualTo("first");
            assertThat(two.clientGetname()).isNull();
            assertThat(one.clientId()).isNotEqualTo(two.clientId()).isPositive();
            assertThat(one.clientInfo()).startsWith("id=" + one.clientId() + " addr=127.0.0.1:")
                    .contains(" name=first ").contains(" lib-name=jedis ");
            List<String> time = one.time();
            assertThat(Long.parseLong(time.get(0))).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data
                    .Offset.offset(60L));
            assertThatThrownBy(() -> one.sendCommand(Protocol.Command.HELLO, "3"))
                    .isInstanceOf(JedisDataException.class).hasMessage("NOPROTO unsupported protocol version");
            List<?> hello = (List<?>) one.sendCommand(Protocol.Command.HELLO, "2");
            assertThat(new String((byte[]) hello.get(1), StandardCharsets.UTF_8)).isEqualTo("nutjar");
            assertThat(hello.get(7)).isEqualTo(one.clientId());
            assertThat((Long) one.sendCommand(Protocol.Command.COMMAND, "COUNT")).isGreaterThan(140);
            assertThat(one.get("still:usable")).isNull();
        }
    }

    @Test
    void lettuceFallsBackFromResp3AndUsesTheConnectionCommands() {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", proxy.port()));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.echo("x")).isEqualTo("x");
            assertThat(sync.clientSetname("lettuce-app")).isEqualTo("OK");
            assertThat(sync.clientGetname()).isEqualTo("lettuce-app");
            assertThat(sync.clientId()).isPositive();
            assertThat(sync.dbsize()).isNotNegative();
            assertThat(sync.set("lettuce:k", "v")).isEqualTo("OK");
            assertThat(sync.get("lettuce:k")).isEqualTo("v");
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    @Test
    void aggregatesMergeEveryServersReply() {
        shards.flushAll();
        try (Jedis jedis = proxy.jedis()) {
            for (int i = 0; i < 300; i++) {
                jedis.set("agg:" + i, "v");
            }
            jedis.setex("agg:ttl", 1000, "v");
            long direct = 0;
            int holding = 0;
            for (BackendProcess server : shards.servers()) {
                try (Jedis shard = RedisShards.direct(server)) {
                    long keys = shard.dbSize();
                    direct += keys;
                    holding += keys > 0 ? 1 : 0;
                }
            }
            // Ketama over random ports may leave one shard few or no keys of 301; two hold some.
            assertThat(holding).as("shards holding keys").isGreaterThanOrEqualTo(2);
            assertThat(jedis.dbSize()).isEqualTo(301).isEqualTo(direct);
            String info = jedis.info();
            assertThat(info).contains("redis_mode:proxy").contains("proxy:nutjar").contains("pool:alpha")
                    .contains("db0:keys=301,expires=1,");
            assertThat(jedis.info("keyspace")).doesNotContain("# Server").contains("db0:keys=301,");
            assertThat(jedis.keys("agg:*")).hasSize(301);
            assertThat(jedis.randomKey()).startsWith("agg:");

            String sha = jedis.scriptLoad("return redis.call('GET', KEYS[1])");
            assertThat(jedis.scriptExists(sha, "0000000000000000000000000000000000000000")).containsExactly(true, false);
            for (int i = 0; i < 30; i++) {
                // EVALSHA runs on the key's server: the script is on every one.
                assertThat(jedis.evalsha(sha, 1, "agg:" + i)).isEqualTo("v");
            }
            assertThat(jedis.scriptFlush()).isEqualTo("OK");
            assertThat(jedis.scriptExists(sha)).isFalse();

            assertThatThrownBy(jedis::flushAll).isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("'flushall' is disabled in pool 'alpha'");
            assertThat(jedis.dbSize()).isEqualTo(301);
            assertThat(jedis.flushDB()).isEqualTo("OK");
            assertThat(jedis.dbSize()).isZero();
            assertThat(jedis.randomKey()).isNull();
        }
    }

    @Test
    void aServerDownFailsTheAggregateInsteadOfAnsweringForTheOthers() throws Exception {
        try (RedisShards alone = RedisShards.start(1)) {
            int dead = BackendProcess.freePort();
            try (TestProxy broken = TestProxy.startPool("broken", "  redis: true\n  servers:\n" + alone.serversYaml()
                    + "   - 127.0.0.1:" + dead + ":1\n", 1);
                    Jedis jedis = broken.jedis()) {
                assertThatThrownBy(jedis::dbSize).isInstanceOf(JedisDataException.class)
                        .hasMessageContaining("(server 127.0.0.1:" + dead + ")");
                assertThatThrownBy(() -> jedis.keys("*")).isInstanceOf(JedisDataException.class)
                        .hasMessageContaining("'keys' is disabled");
            }
        }
    }

    @Test
    void inlineCommandsWorkAsOverTelnet() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("\r\nSET inline:1 \"a b\"\r\nGET inline:1\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String expected = "+OK\r\n$3\r\na b\r\n+PONG\r\n";
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[expected.length()];
            int read = 0;
            while (read < reply.length) {
                int n = in.read(reply, read, reply.length - read);
                assertThat(n).as("reply bytes").isPositive();
                read += n;
            }
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo(expected);
        }
    }

    /** The pipe insert, then every key listed once by redis-cli --scan and by redis-py's scan_iter. */
    @Test
    void redisCliPipeInsertsAndEveryScanSeesEveryKeyOnce() throws Exception {
        shards.flushAll();
        Path commands = dir.resolve("commands.txt");
        try (BufferedWriter out = Files.newBufferedWriter(commands, StandardCharsets.US_ASCII)) {
            for (int i = 0; i < KEYS; i++) {
                String key = "pipe:" + i;
                if (i % 2 == 0) {
                    out.write("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$1\r\nv\r\n");
                } else {
                    out.write("SET " + key + " v\r\n"); // inline, as the Redis docs' example
                }
            }
        }
        String pipe = run(commands, redisCli(), "-h", "127.0.0.1", "-p", String.valueOf(proxy.port()), "--pipe");
        assertThat(pipe).contains("errors: 0, replies: " + KEYS);
        for (BackendProcess server : shards.servers()) {
            try (Jedis shard = RedisShards.direct(server)) {
                assertThat(shard.dbSize()).as("every shard holds some").isGreaterThan(KEYS / 10);
            }
        }

        // Both walks at once: they only read, and each takes thousands of round trips.
        Running cliScan = start(null, redisCli(), "-h", "127.0.0.1", "-p", String.valueOf(proxy.port()), "--scan");
        Running pyScan = start(null, PYTHON, "-c", """
                import redis, sys
                r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]))
                seen = list(r.scan_iter(count=1000))
                print(len(seen), len(set(seen)), sum(1 for k in seen if k.startswith(b'pipe:')))
                """, String.valueOf(proxy.port()));
        List<String> lines = cliScan.finish().lines().toList();
        assertThat(lines).hasSize(KEYS);
        assertThat(new HashSet<>(lines)).hasSize(KEYS).contains("pipe:0", "pipe:" + (KEYS - 1));
        assertThat(pyScan.finish().strip()).isEqualTo(KEYS + " " + KEYS + " " + KEYS);

        try (Jedis jedis = proxy.jedis()) {
            ScanParams match = new ScanParams().match("pipe:1234*").count(5000);
            Set<String> found = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, match);
                found.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertThat(found).containsExactlyInAnyOrder("pipe:1234", "pipe:12340", "pipe:12341", "pipe:12342",
                    "pipe:12343", "pipe:12344", "pipe:12345", "pipe:12346", "pipe:12347", "pipe:12348", "pipe:12349");
        }
    }

    @Test
    void aCursorFromBeforeAReloadThatChangedTheServersIsRefused() throws Exception {
        try (RedisShards own = RedisShards.start(3)) {
            int port = BackendProcess.freePort();
            String head = "scanned:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  servers:\n";
            String threeServers = head + own.serversYaml();
            try (TestProxy scanned = TestProxy.start(threeServers, port, 1); Jedis jedis = scanned.jedis()) {
                for (int i = 0; i < 500; i++) {
                    jedis.set("r:" + i, "v");
                }
                ScanResult<String> first = jedis.scan("0", new ScanParams().count(10));
                assertThat(first.getCursor()).isNotEqualTo("0");
                ScanResult<String> same = jedis.scan(first.getCursor(), new ScanParams().count(10));
                assertThat(same.getResult()).isNotEmpty();

                String twoServers = head + "   - " + own.get(0).address() + ":1\n   - " + own.get(1).address() + ":1\n";
                ReloadResult result = scanned.proxy().reload(
                        ConfigLoader.withInstalledProviders().parse(twoServers, "test.yml"), true);
                assertThat(result.applied()).as("reload: %s", result.lines()).isTrue();
                assertThatThrownBy(() -> jedis.scan(first.getCursor()))
                        .isInstanceOf(JedisDataException.class).hasMessage("ERR invalid cursor");
                assertThat(jedis.scan("0").getResult()).isNotNull();
            }
        }
    }

    private static String redisCli() {
        return BackendProcess.binary("redis-cli", "redis-tools");
    }

    /** Runs a command to its end and returns its output (stdout and stderr). */
    private String run(Path input, String... command) throws IOException, InterruptedException {
        return start(input, command).finish();
    }

    private Running start(Path input, String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        Path output = Files.createTempFile(dir, "out", ".txt");
        builder.redirectOutput(output.toFile());
        return new Running(builder.start(), output, command[0]);
    }

    /** A command started; {@link #finish} waits for it and returns its output. */
    private record Running(Process process, Path output, String name) {
        String finish() throws IOException, InterruptedException {
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(name + " did not finish: " + Files.readString(output));
            }
            String text = Files.readString(output);
            assertThat(process.exitValue()).as("%s exit status; output: %s", name, text).isZero();
            return text;
        }
    }
}
