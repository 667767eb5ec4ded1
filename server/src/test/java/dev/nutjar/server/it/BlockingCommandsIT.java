package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.util.KeyValue;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Blocking commands through the proxy, against three real redis-server shards: woken by pushes
 * from other clients, longer than the pool's timeout, holding back the client's later pipelined
 * requests, keys on two servers, the pool's bound on dedicated connections, and clients that
 * leave while blocked or subscribed.
 */
@ExtendWith(NoLeaks.class)
class BlockingCommandsIT {
    private static final String POOL = ShardedProxy.POOL;
    private static final Duration WAIT = Duration.ofSeconds(10);

    // A short timeout, which blocking waits must outlive; room for two dedicated connections.
    @RegisterExtension
    static final ShardedProxy SHARDED = new ShardedProxy("  timeout: 300\n  dedicated_connections: 2\n");

    private static <T> T within(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void blockingPopsAreWokenByPushesFromOtherClients() throws Exception {
        try (Jedis waiter = SHARDED.proxy().jedis(); Jedis pusher = SHARDED.proxy().jedis()) {
            CompletableFuture<List<String>> popped = CompletableFuture.supplyAsync(() -> waiter.blpop(0, "{q}jobs"));
            Await.until("the waiter blocks on its own connection", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
            pusher.rpush("{q}jobs", "job-1");
            assertThat(within(popped)).containsExactly("{q}jobs", "job-1");

            CompletableFuture<String> moved = CompletableFuture.supplyAsync(
                    () -> waiter.blmove("{q}src", "{q}dst", ListDirection.LEFT, ListDirection.RIGHT, 0));
            Await.until("the waiter blocks again", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
            pusher.rpush("{q}src", "m");
            assertThat(within(moved)).isEqualTo("m");
            assertThat(pusher.lrange("{q}dst", 0, -1)).containsExactly("m");

            CompletableFuture<KeyValue<String, redis.clients.jedis.resps.Tuple>> zpopped =
                    CompletableFuture.supplyAsync(() -> waiter.bzpopmin(0, "{q}z1", "{q}z2"));
            Await.until("the waiter blocks on a sorted set", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
            pusher.zadd("{q}z2", 5, "five");
            assertThat(within(zpopped).getKey()).isEqualTo("{q}z2");

            CompletableFuture<List<Map.Entry<String, List<StreamEntry>>>> read = CompletableFuture.supplyAsync(
                    () -> waiter.xread(XReadParams.xReadParams().block(0), Map.of("{q}stream", StreamEntryID.XREAD_NEW_ENTRY)));
            Await.until("the waiter blocks on a stream", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
            pusher.xadd("{q}stream", StreamEntryID.NEW_ENTRY, Map.of("f", "v"));
            assertThat(within(read).get(0).getValue().get(0).getFields()).isEqualTo(Map.of("f", "v"));

            // Longer than the pool's 300 ms timeout: the wait is the command's, not a timeout.
            assertThat(waiter.blpop(1, "{q}empty")).isNull();
            assertThat(waiter.get("{q}missing")).isNull();
        }
        Await.until("the blocking connections are closed", WAIT,
                () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
    }

    @Test
    void pipelinedRequestsAfterABlockingCommandWaitForIt() throws Exception {
        try (RespClient client = new RespClient(SHARDED.proxy().port(), 10_000); Jedis other = SHARDED.proxy().jedis()) {
            other.del("{b}marker");
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            pipeline.writeBytes(RespClient.command("BLPOP", "{b}list", "0"));
            pipeline.writeBytes(RespClient.command("SET", "{b}marker", "after"));
            pipeline.writeBytes(RespClient.command("GET", "{b}marker"));
            client.send(pipeline.toByteArray());
            Await.until("the client blocks", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
            // As on one Redis connection, the SET behind the BLPOP has not run.
            assertThat(other.get("{b}marker")).isNull();
            other.rpush("{b}list", "v");
            assertThat(RespClient.text(client.read())).isEqualTo(List.of("{b}list", "v"));
            assertThat(RespClient.text(client.read())).isEqualTo("OK");
            assertThat(RespClient.text(client.read())).isEqualTo("after");
        }
    }

    @Test
    void keysOnTwoServersAndThePoolsBoundGetClearErrors() throws Exception {
        String[] keys = TransactionsIT.keysOnTwoServers(SHARDED.proxy(), "spread-");
        try (Jedis first = SHARDED.proxy().jedis(); Jedis second = SHARDED.proxy().jedis(); Jedis third = SHARDED.proxy().jedis();
                Jedis pusher = SHARDED.proxy().jedis()) {
            assertThatThrownBy(() -> first.blpop(1, keys[0], keys[1])).isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("map to different servers");
            CompletableFuture<List<String>> one = CompletableFuture.supplyAsync(() -> first.blpop(0, "{bound}1"));
            CompletableFuture<List<String>> two = CompletableFuture.supplyAsync(() -> second.blpop(0, "{bound}2"));
            Await.until("two clients block", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 2);
            long refusedBefore = SessionStats.dedicatedRefused(SHARDED.proxy(), POOL);
            assertThatThrownBy(() -> third.blpop(0, "{bound}3")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR nutjar: pool 'alpha' has no connection left for pub/sub, transactions and"
                            + " blocking commands (dedicated_connections: 2)");
            assertThatThrownBy(() -> third.subscribe(new redis.clients.jedis.JedisPubSub() { }, "c"))
                    .isInstanceOf(JedisDataException.class).hasMessageContaining("dedicated_connections: 2");
            assertThat(SessionStats.dedicatedRefused(SHARDED.proxy(), POOL)).isEqualTo(refusedBefore + 2);
            // The refused client's connection still serves it.
            assertThat(third.get("{bound}x")).isNull();
            pusher.rpush("{bound}1", "a");
            pusher.rpush("{bound}2", "b");
            assertThat(within(one)).containsExactly("{bound}1", "a");
            assertThat(within(two)).containsExactly("{bound}2", "b");
            Await.until("the connections are given back", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
            CompletableFuture<List<String>> three = CompletableFuture.supplyAsync(() -> third.blpop(0, "{bound}3"));
            Await.until("the third client blocks", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 1);
            pusher.rpush("{bound}3", "c");
            assertThat(within(three)).containsExactly("{bound}3", "c");
        }
    }

    @Test
    void clientsLeavingWhileBlockedOrSubscribedLeaveNothingBehind() throws Exception {
        try (RespClient blocked = new RespClient(SHARDED.proxy().port()); RespClient subscribed = new RespClient(SHARDED.proxy().port())) {
            blocked.send(RespClient.command("BRPOP", "{gone}list", "0"));
            assertThat(subscribed.callText("SUBSCRIBE", "gone-channel")).isEqualTo(List.of("subscribe", "gone-channel", 1L));
            Await.until("both hold a connection", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 2);
        }
        Await.until("their connections are closed", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
        try (Jedis jedis = SHARDED.proxy().jedis()) {
            // Nobody waits on the list any more: the push stays there.
            jedis.rpush("{gone}list", "kept");
            assertThat(jedis.publish("gone-channel", "nobody")).isZero();
            assertThat(jedis.lrange("{gone}list", 0, -1)).containsExactly("kept");
        }
    }
}
