package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * MULTI/EXEC/DISCARD and WATCH through the proxy, against three real redis-server shards: with
 * Jedis, with redis-py ({@code pipeline(transaction=True)}, a WATCH loop), and raw pipelines that
 * mix transactions with ordinary commands; keys on two servers; a client that leaves mid-way.
 */
@ExtendWith(NoLeaks.class)
class TransactionsIT {
    private static final String POOL = ShardedProxy.POOL;
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final ShardedProxy SHARDED = new ShardedProxy("  timeout: 1000\n");

    /** Two keys the pool places on different servers. */
    static String[] keysOnTwoServers(String prefix) {
        return keysOnTwoServers(SHARDED.proxy(), prefix);
    }

    /** Two keys {@code proxy}'s pool places on different servers. */
    static String[] keysOnTwoServers(TestProxy proxy, String prefix) {
        String first = prefix + 0;
        for (int i = 1; ; i++) {
            String other = prefix + i;
            if (!proxy.serverOf(other).equals(proxy.serverOf(first))) {
                return new String[] {first, other};
            }
        }
    }

    @Test
    void jedisTransactionRunsOnTheServerOfItsKeys() throws Exception {
        try (Jedis jedis = SHARDED.proxy().jedis()) {
            Transaction transaction = jedis.multi();
            transaction.set("{j}a", "1");
            transaction.incr("{j}n");
            transaction.get("{j}a");
            assertThat(transaction.exec()).containsExactly("OK", 1L, "1");
            // The connection serves ordinary commands after it.
            assertThat(jedis.get("{j}a")).isEqualTo("1");

            Transaction discarded = jedis.multi();
            discarded.set("{j}a", "2");
            assertThat(discarded.discard()).isEqualTo("OK");
            assertThat(jedis.get("{j}a")).isEqualTo("1");
        }
        Await.until("the transactions' connections are closed", WAIT,
                () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
    }

    @Test
    void watchedKeyChangedByAnotherClientAbortsTheTransaction() throws Exception {
        try (Jedis jedis = SHARDED.proxy().jedis(); Jedis other = SHARDED.proxy().jedis()) {
            jedis.set("{w}k", "0");
            assertThat(jedis.watch("{w}k")).isEqualTo("OK");
            assertThat(jedis.get("{w}k")).isEqualTo("0");
            other.set("{w}k", "changed");
            Transaction transaction = jedis.multi();
            transaction.set("{w}k", "mine");
            assertThat(transaction.exec()).isNull();
            assertThat(jedis.get("{w}k")).isEqualTo("changed");

            assertThat(jedis.watch("{w}k")).isEqualTo("OK");
            Transaction unchanged = jedis.multi();
            unchanged.set("{w}k", "mine");
            assertThat(unchanged.exec()).containsExactly("OK");
            assertThat(jedis.get("{w}k")).isEqualTo("mine");
        }
    }

    @Test
    void pipelineMixingTransactionsAndOrdinaryCommandsKeepsReplyOrder() throws Exception {
        String[] plain = keysOnTwoServers("plain-");
        try (RespClient client = new RespClient(SHARDED.proxy().port())) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            String[][] commands = {
                {"SET", plain[0], "x"}, {"MULTI"}, {"SET", "{p}a", "1"}, {"INCR", "{p}n"}, {"EXEC"},
                {"GET", plain[0]}, {"SET", plain[1], "y"}, {"MULTI"}, {"GET", "{p}a"}, {"EXEC"},
                {"EXEC"}, {"DISCARD"}, {"MULTI"}, {"EXEC"}, {"GET", "{p}n"}, {"GET", plain[1]},
            };
            for (String[] command : commands) {
                pipeline.writeBytes(RespClient.command(command));
            }
            client.send(pipeline.toByteArray());
            List<Object> replies = new ArrayList<>();
            for (int i = 0; i < commands.length; i++) {
                replies.add(RespClient.text(client.read()));
            }
            assertThat(replies).containsExactly("OK", "OK", "QUEUED", "QUEUED", List.of("OK", 1L),
                    "x", "OK", "OK", "QUEUED", List.of("1"),
                    new RespClient.Error("ERR EXEC without MULTI"), new RespClient.Error("ERR DISCARD without MULTI"),
                    "OK", List.of(), "1", "y");
        }
    }

    @Test
    void keyOnAnotherServerDiscardsTheTransactionWithAnErrorNamingBothServers() throws Exception {
        String[] keys = keysOnTwoServers("cross-");
        try (RespClient client = new RespClient(SHARDED.proxy().port())) {
            assertThat(client.callText("MULTI")).isEqualTo("OK");
            assertThat(client.callText("SET", keys[0], "1")).isEqualTo("QUEUED");
            Object error = client.callText("SET", keys[1], "2");
            assertThat(error).isInstanceOf(RespClient.Error.class);
            String message = ((RespClient.Error) error).message();
            assertThat(message).startsWith("ERR nutjar: ").contains("transaction discarded")
                    .contains("'" + SHARDED.proxy().serverOf(keys[0]).name() + "'")
                    .contains("'" + SHARDED.proxy().serverOf(keys[1]).name() + "'");
            assertThat(client.callText("SET", keys[0], "3")).isEqualTo("QUEUED");
            assertThat(client.callText("EXEC")).isEqualTo(
                    new RespClient.Error("EXECABORT Transaction discarded because of previous errors."));
            assertThat(client.callText("GET", keys[0])).isEqualTo("(nil)");
            assertThat(client.callText("GET", keys[1])).isEqualTo("(nil)");
        }
    }

    @Test
    void clientLeavingMidTransactionLeavesNothingBehind() throws Exception {
        try (RespClient client = new RespClient(SHARDED.proxy().port())) {
            assertThat(client.callText("WATCH", "{gone}w")).isEqualTo("OK");
            assertThat(client.callText("MULTI")).isEqualTo("OK");
            assertThat(client.callText("SET", "{gone}a", "1")).isEqualTo("QUEUED");
            Await.until("the transaction holds a connection", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
        }
        Await.until("the transaction's connection is closed", WAIT,
                () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
        try (Jedis jedis = SHARDED.proxy().jedis()) {
            assertThat(jedis.get("{gone}a")).isNull();
        }
    }

    @Test
    void redisPyTransactionsWatchAndPubSub() throws Exception {
        Path script = Files.createTempFile("redis_py_sessions", ".py");
        try (InputStream in = TransactionsIT.class.getResourceAsStream("/it/redis_py_sessions.py")) {
            Files.write(script, in.readAllBytes());
        }
        String[] cross = keysOnTwoServers("py-cross-");
        try {
            Process python = new ProcessBuilder("/usr/bin/python3", script.toString(), String.valueOf(SHARDED.proxy().port()),
                    cross[0], cross[1]).redirectErrorStream(true).start();
            assertThat(python.waitFor(60, TimeUnit.SECONDS)).as("redis-py finished").isTrue();
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).as(output).endsWith("done\n");
            assertThat(python.exitValue()).as(output).isZero();
        } finally {
            Files.deleteIfExists(script);
        }
        Await.until("redis-py's connections are closed", WAIT,
                () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
    }

}
