package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nutjar.routing.ServerSpec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.GeoUnit;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.args.ListPosition;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.Tuple;

/**
 * Real clients (Jedis and Lettuce) against three real redis-server shards behind one in-process
 * proxy: every category of supported command, multi-key commands across shards (checked on the
 * shards themselves), large pipelines, and values from 0 bytes to 64 MB.
 */
@ExtendWith(NoLeaks.class)
class RedisClientsIT {
    private static final String POOL = "alpha";

    private static RedisShards shards;
    private static TestProxy proxy;
    private static ClientResources lettuceResources;

    @BeforeAll
    static void start() throws Exception {
        shards = RedisShards.start(3);
        proxy = TestProxy.startPool(POOL, """
                  redis: true
                  hash: fnv1a_64
                  hash_tag: "{}"
                  distribution: ketama
                  servers:
                """ + shards.serversYaml(), 2);
        lettuceResources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
    }

    @AfterAll
    static void stop() {
        if (lettuceResources != null) {
            lettuceResources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (proxy != null) {
            proxy.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @Test
    @SuppressWarnings("deprecation") // Jedis deprecates getSet, and clients still send GETSET
    void jedisRoundTripsEveryCategoryOfCommand() {
        try (Jedis jedis = proxy.jedis()) {
            // strings
            assertThat(jedis.set("s:1", "v1")).isEqualTo("OK");
            assertThat(jedis.get("s:1")).isEqualTo("v1");
            assertThat(jedis.append("s:1", "23")).isEqualTo(4);
            assertThat(jedis.strlen("s:1")).isEqualTo(4);
            assertThat(jedis.getrange("s:1", 1, 2)).isEqualTo("12");
            assertThat(jedis.setrange("s:1", 0, "V")).isEqualTo(4);
            assertThat(jedis.getSet("s:1", "new")).isEqualTo("V123");
            assertThat(jedis.setnx("s:1", "other")).isZero();
            assertThat(jedis.set("s:nx", "x", SetParams.setParams().nx().ex(100))).isEqualTo("OK");
            assertThat(jedis.set("s:nx", "y", SetParams.setParams().nx())).isNull();
            assertThat(jedis.incr("s:n")).isEqualTo(1);
            assertThat(jedis.incrBy("s:n", 41)).isEqualTo(42);
            assertThat(jedis.decr("s:n")).isEqualTo(41);
            assertThat(jedis.incrByFloat("s:f", 1.5)).isEqualTo(1.5);
            assertThat(jedis.setex("s:ex", 100, "e")).isEqualTo("OK");
            assertThat(jedis.psetex("s:px", 100_000, "p")).isEqualTo("OK");
            assertThat(jedis.getDel("s:px")).isEqualTo("p");
            assertThat(jedis.get("s:px")).isNull();
            assertThat(jedis.get("s:missing")).isNull();

            // hashes
            assertThat(jedis.hset("h:1", Map.of("a", "1", "b", "2"))).isEqualTo(2);
            assertThat(jedis.hget("h:1", "a")).isEqualTo("1");
            assertThat(jedis.hgetAll("h:1")).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
            assertThat(jedis.hincrBy("h:1", "a", 9)).isEqualTo(10);
            assertThat(jedis.hincrByFloat("h:1", "f", 0.5)).isEqualTo(0.5);
            assertThat(jedis.hmget("h:1", "a", "zz", "b")).containsExactly("10", null, "2");
            assertThat(jedis.hexists("h:1", "b")).isTrue();
            assertThat(jedis.hlen("h:1")).isEqualTo(3);
            assertThat(jedis.hkeys("h:1")).containsExactlyInAnyOrder("a", "b", "f");
            assertThat(jedis.hvals("h:1")).containsExactlyInAnyOrder("10", "2", "0.5");
            assertThat(jedis.hsetnx("h:1", "a", "x")).isZero();
            assertThat(jedis.hstrlen("h:1", "a")).isEqualTo(2);
            assertThat(jedis.hdel("h:1", "a", "f")).isEqualTo(2);
            assertThat(jedis.hscan("h:1", "0").getResult()).hasSize(1);

            // lists
            assertThat(jedis.rpush("l:{1}", "a", "b", "c")).isEqualTo(3);
            assertThat(jedis.lpush("l:{1}", "z")).isEqualTo(4);
            assertThat(jedis.lrange("l:{1}", 0, -1)).containsExactly("z", "a", "b", "c");
            assertThat(jedis.lindex("l:{1}", 1)).isEqualTo("a");
            assertThat(jedis.lset("l:{1}", 1, "A")).isEqualTo("OK");
            assertThat(jedis.linsert("l:{1}", ListPosition.BEFORE, "b", "ab")).isEqualTo(5);
            assertThat(jedis.lpos("l:{1}", "b")).isEqualTo(3);
            assertThat(jedis.lrem("l:{1}", 1, "ab")).isEqualTo(1);
            assertThat(jedis.ltrim("l:{1}", 0, 2)).isEqualTo("OK");
            assertThat(jedis.llen("l:{1}")).isEqualTo(3);
            assertThat(jedis.lpop("l:{1}")).isEqualTo("z");
            assertThat(jedis.rpop("l:{1}")).isEqualTo("b");
            assertThat(jedis.rpoplpush("l:{1}", "l2:{1}")).isEqualTo("A");
            assertThat(jedis.rpush("l:{1}", "m")).isEqualTo(1);
            assertThat(jedis.lmove("l:{1}", "l2:{1}", ListDirection.LEFT, ListDirection.RIGHT)).isEqualTo("m");
            assertThat(jedis.lrange("l2:{1}", 0, -1)).containsExactly("A", "m");

            // sets
            assertThat(jedis.sadd("st:{2}a", "x", "y", "z")).isEqualTo(3);
            assertThat(jedis.sadd("st:{2}b", "y", "z", "w")).isEqualTo(3);
            assertThat(jedis.smembers("st:{2}a")).containsExactlyInAnyOrder("x", "y", "z");
            assertThat(jedis.sismember("st:{2}a", "x")).isTrue();
            assertThat(jedis.smismember("st:{2}a", "x", "w")).containsExactly(true, false);
            assertThat(jedis.scard("st:{2}a")).isEqualTo(3);
            assertThat(jedis.sinter("st:{2}a", "st:{2}b")).containsExactlyInAnyOrder("y", "z");
            assertThat(jedis.sunionstore("st:{2}u", "st:{2}a", "st:{2}b")).isEqualTo(4);
            assertThat(jedis.sdiff("st:{2}a", "st:{2}b")).containsExactly("x");
            assertThat(jedis.srem("st:{2}a", "x")).isEqualTo(1);
            assertThat(jedis.srandmember("st:{2}a")).isIn("y", "z");
            assertThat(jedis.spop("st:{2}a")).isIn("y", "z");

            // sorted sets
            assertThat(jedis.zadd("z:1", Map.of("a", 1.0, "b", 2.0, "c", 3.0))).isEqualTo(3);
            assertThat(jedis.zrange("z:1", 0, -1)).containsExactly("a", "b", "c");
            assertThat(jedis.zrangeWithScores("z:1", 0, 0)).containsExactly(new Tuple("a", 1.0));
            assertThat(jedis.zrangeByScore("z:1", 2, 3)).containsExactly("b", "c");
            assertThat(jedis.zscore("z:1", "b")).isEqualTo(2.0);
            assertThat(jedis.zincrby("z:1", 10, "a")).isEqualTo(11.0);
            assertThat(jedis.zrank("z:1", "a")).isEqualTo(2);
            assertThat(jedis.zrevrank("z:1", "a")).isZero();
            assertThat(jedis.zcount("z:1", 0, 5)).isEqualTo(2);
            assertThat(jedis.zcard("z:1")).isEqualTo(3);
            assertThat(jedis.zrem("z:1", "c")).isEqualTo(1);
            assertThat(jedis.zpopmin("z:1")).isEqualTo(new Tuple("b", 2.0));
            assertThat(jedis.zmscore("z:1", "a", "b")).containsExactly(11.0, null);

            // hyperloglog
            assertThat(jedis.pfadd("hll:{3}a", "a", "b", "c")).isEqualTo(1);
            assertThat(jedis.pfadd("hll:{3}b", "c", "d")).isEqualTo(1);
            assertThat(jedis.pfcount("hll:{3}a")).isEqualTo(3);
            assertThat(jedis.pfmerge("hll:{3}m", "hll:{3}a", "hll:{3}b")).isEqualTo("OK");
            assertThat(jedis.pfcount("hll:{3}m")).isEqualTo(4);

            // geo
            assertThat(jedis.geoadd("g:1", 13.361389, 38.115556, "Palermo")).isEqualTo(1);
            assertThat(jedis.geoadd("g:1", 15.087269, 37.502669, "Catania")).isEqualTo(1);
            assertThat(jedis.geodist("g:1", "Palermo", "Catania", GeoUnit.KM)).isCloseTo(166.27, within(0.1));
            assertThat(jedis.geopos("g:1", "Palermo").get(0).getLongitude()).isCloseTo(13.3614, within(0.001));
            assertThat(jedis.geohash("g:1", "Palermo")).containsExactly("sqc8b49rny0");
            assertThat(jedis.georadius("g:1", 15, 37, 200, GeoUnit.KM)).hasSize(2);
            assertThat(jedis.geosearch("g:1", "Palermo", 100, GeoUnit.KM)).hasSize(1);

            // bits
            assertThat(jedis.setbit("b:1", 7, true)).isFalse();
            assertThat(jedis.getbit("b:1", 7)).isTrue();
            assertThat(jedis.bitcount("b:1")).isEqualTo(1);
            assertThat(jedis.bitpos("b:1", true)).isEqualTo(7);
            assertThat(jedis.bitfield("b:1", "GET", "u8", "0")).containsExactly(1L);

            // expiry and key commands
            assertThat(jedis.expire("s:1", 100)).isEqualTo(1);
            assertThat(jedis.ttl("s:1")).isBetween(90L, 100L);
            assertThat(jedis.pexpire("s:1", 200_000)).isEqualTo(1);
            assertThat(jedis.pttl("s:1")).isBetween(190_000L, 200_000L);
            assertThat(jedis.persist("s:1")).isEqualTo(1);
            assertThat(jedis.ttl("s:1")).isEqualTo(-1);
            assertThat(jedis.expireAt("s:1", System.currentTimeMillis() / 1000 + 1000)).isEqualTo(1);
            assertThat(jedis.pexpireAt("s:1", System.currentTimeMillis() + 1_000_000)).isEqualTo(1);
            assertThat(jedis.type("s:1")).isEqualTo("string");
            assertThat(jedis.type("h:1")).isEqualTo("hash");
            byte[] dump = jedis.dump("s:1");
            assertThat(jedis.restore("s:restored", 0, dump)).isEqualTo("OK");
            assertThat(jedis.get("s:restored")).isEqualTo("new");
            assertThat(jedis.copy("s:{4}a", "s:{4}b", false)).isFalse();
            assertThat(jedis.touch("s:1", "h:1", "s:missing")).isEqualTo(2);
            assertThat(jedis.unlink("s:restored", "s:missing")).isEqualTo(1);

            // scripts with keys
            assertThat(jedis.eval("return redis.call('SET', KEYS[1], ARGV[1])", List.of("e:1"), List.of("ev")))
                    .isEqualTo("OK");
            assertThat(jedis.get("e:1")).isEqualTo("ev");
            assertThat(jedis.eval("return {KEYS[1], KEYS[2]}", List.of("e:{5}a", "e:{5}b"), List.of()))
                    .isEqualTo(List.of("e:{5}a", "e:{5}b"));
            assertThatThrownBy(() -> jedis.evalsha("0000000000000000000000000000000000000000", List.of("e:1"),
                    List.of())).isInstanceOf(JedisDataException.class).hasMessageStartingWith("NOSCRIPT");
            String[] spread = keysOnDifferentServers("e:");
            assertThatThrownBy(() -> jedis.eval("return 1", List.of(spread[0], spread[1]), List.of()))
                    .isInstanceOf(JedisDataException.class).hasMessageContaining("map to different servers");
            assertThatThrownBy(() -> jedis.eval("return 1", 0))
                    .isInstanceOf(JedisDataException.class).hasMessageContaining("numkeys must be at least 1");

            // keyless and local commands
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat((List<?>) jedis.sendCommand(Protocol.Command.COMMAND)).hasSizeGreaterThan(100);
            assertThat(jedis.echo("hi")).isEqualTo("hi");
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.get("e:1")).isEqualTo("ev");
        }
    }

    @Test
    void unknownCommandsAndWrongArityGetRedisErrorsOnAConnectionThatStaysUsable() {
        try (Jedis jedis = proxy.jedis()) {
            jedis.set("u:1", "one");
            assertThatThrownBy(() -> jedis.sendCommand(() -> "FOOBAR".getBytes(StandardCharsets.US_ASCII), "a"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR unknown command 'FOOBAR', with args beginning with: 'a' ");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.GET, "a", "b"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR wrong number of arguments for 'get' command");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.PING, "hello", "there"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR wrong number of arguments for 'ping' command");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.KEYS, "*"))
                    .isInstanceOf(JedisDataException.class).hasMessageStartingWith("ERR nutjar: 'keys' is disabled");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.HELLO, "3"))
                    .isInstanceOf(JedisDataException.class).hasMessage("NOPROTO unsupported protocol version");
            assertThatThrownBy(() -> jedis.select(1)).isInstanceOf(JedisDataException.class);
            // After all that, the connection still answers in order.
            assertThat(jedis.get("u:1")).isEqualTo("one");
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void mgetMsetAndDelOfAThousandKeysSpanTheShardsAndLandWhereTheRoutingSays() {
        List<String> keys = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            String key = i + ":multi"; // varied first bytes: fnv1a_64 clusters keys that differ only at the end
            keys.add(key);
            values.put(key, "value-" + i);
        }
        String[] keysAndValues = values.entrySet().stream()
                .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray(String[]::new);
        long fragmentsBefore;
        try (Jedis jedis = proxy.jedis()) {
            fragmentsBefore = fragments();
            assertThat(jedis.mset(keysAndValues)).isEqualTo("OK");

            // Each key is on the shard the pool routes it to, and on no other.
            Map<Integer, List<String>> keysByPort = new HashMap<>();
            for (String key : keys) {
                keysByPort.computeIfAbsent(proxy.serverOf(key).port(), p -> new ArrayList<>()).add(key);
            }
            assertThat(keysByPort).as("1,000 keys spread over every shard").hasSize(3);
            for (BackendProcess shard : shards.servers()) {
                try (Jedis direct = RedisShards.direct(shard)) {
                    List<String> onShard = direct.mget(keys.toArray(String[]::new));
                    for (int i = 0; i < keys.size(); i++) {
                        boolean expected = proxy.serverOf(keys.get(i)).port() == shard.port();
                        assertThat(onShard.get(i)).as("%s on %s", keys.get(i), shard.address())
                                .isEqualTo(expected ? values.get(keys.get(i)) : null);
                    }
                }
            }

            // MGET, with missing keys in between, in key order.
            List<String> mgetKeys = new ArrayList<>(keys);
            mgetKeys.add(500, "multi:missing:1");
            mgetKeys.add("multi:missing:2");
            List<String> got = jedis.mget(mgetKeys.toArray(String[]::new));
            assertThat(got).hasSize(1002);
            for (int i = 0; i < mgetKeys.size(); i++) {
                assertThat(got.get(i)).as(mgetKeys.get(i)).isEqualTo(values.get(mgetKeys.get(i)));
            }

            // EXISTS is split per shard and the counts summed.
            assertThat(jedis.exists(mgetKeys.toArray(String[]::new))).isEqualTo(1000);
            assertThat(jedis.exists("1:multi", "2:multi", "1:multi")).isEqualTo(3);

            assertThat(jedis.del(mgetKeys.toArray(String[]::new))).isEqualTo(1000);
            assertThat(jedis.exists(keys.toArray(String[]::new))).isZero();
            for (BackendProcess shard : shards.servers()) {
                try (Jedis direct = RedisShards.direct(shard)) {
                    assertThat(direct.mget(keys.toArray(String[]::new))).containsOnlyNulls();
                }
            }
        }
        // MSET, MGET, two EXISTS and a DEL each split into 3 fragments (the EXISTS of 3 keys maybe fewer).
        assertThat(fragments() - fragmentsBefore).isGreaterThanOrEqualTo(4 * 3 + 1);
    }

    private static long fragments() {
        try {
            return proxy.stat(POOL, null, "fragments");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void msetnxWorksOnOneServerAndRefusesKeysOnSeveral() {
        try (Jedis jedis = proxy.jedis()) {
            assertThat(jedis.msetnx("nx:{user7}a", "1", "nx:{user7}b", "2")).isEqualTo(1);
            assertThat(jedis.msetnx("nx:{user7}a", "3", "nx:{user7}c", "4")).isZero();
            assertThat(jedis.mget("nx:{user7}a", "nx:{user7}b", "nx:{user7}c")).containsExactly("1", "2", null);

            String[] spread = keysOnDifferentServers("nx:");
            assertThatThrownBy(() -> jedis.msetnx(spread[0], "1", spread[1], "2"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR nutjar: keys of 'msetnx' map to different servers; use a hash tag");
            assertThat(jedis.exists(spread[0], spread[1])).isZero();
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aPipelineOfTenThousandCommandsGetsEveryReplyInOrder() {
        try (Jedis jedis = proxy.jedis()) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            List<Response<String>> gets = new ArrayList<>();
            List<Response<Long>> incrs = new ArrayList<>();
            for (int i = 0; i < 2500; i++) {
                sets.add(pipeline.set("pipe:" + i, "v" + i));
                gets.add(pipeline.get("pipe:" + i));
                incrs.add(pipeline.incr("pipe:counter:" + (i % 7)));
                gets.add(pipeline.get("pipe:absent:" + i));
            }
            pipeline.sync();
            long[] counters = new long[7];
            for (int i = 0; i < 2500; i++) {
                assertThat(sets.get(i).get()).isEqualTo("OK");
                assertThat(gets.get(2 * i).get()).isEqualTo("v" + i);
                assertThat(incrs.get(i).get()).isEqualTo(++counters[i % 7]);
                assertThat(gets.get(2 * i + 1).get()).isNull();
            }
        }
    }

    @Test
    void valuesOfZeroBytesOneMegabyteAndSixtyFourMegabytesRoundTrip() {
        Random random = new Random(42);
        byte[] empty = new byte[0];
        byte[] oneMb = new byte[1 << 20];
        byte[] sixtyFourMb = new byte[64 << 20];
        random.nextBytes(oneMb);
        random.nextBytes(sixtyFourMb);
        byte[] k0 = "big:{0}".getBytes(StandardCharsets.UTF_8);
        byte[] k1 = "big:{1}".getBytes(StandardCharsets.UTF_8);
        byte[] k64 = "big:{64}".getBytes(StandardCharsets.UTF_8);
        try (Jedis jedis = new Jedis("127.0.0.1", proxy.port(), 60_000)) {
            assertThat(jedis.set(k0, empty)).isEqualTo("OK");
            assertThat(jedis.set(k1, oneMb)).isEqualTo("OK");
            assertThat(jedis.set(k64, sixtyFourMb)).isEqualTo("OK");
            assertThat(jedis.get(k0)).isEmpty();
            assertThat(Arrays.equals(jedis.get(k1), oneMb)).isTrue();
            assertThat(Arrays.equals(jedis.get(k64), sixtyFourMb)).isTrue();
            assertThat(jedis.strlen(k64)).isEqualTo(64 << 20);
            List<byte[]> all = jedis.mget(k0, k1, "big:none".getBytes(StandardCharsets.UTF_8));
            assertThat(all.get(0)).isEmpty();
            assertThat(Arrays.equals(all.get(1), oneMb)).isTrue();
            assertThat(all.get(2)).isNull();
            assertThat(jedis.del(k0, k1, k64)).isEqualTo(3);
        }
        try (Jedis direct = RedisShards.direct(shards.byPort(proxy.serverOf("big:{64}").port()))) {
            assertThat(direct.exists("big:{64}")).isFalse();
        }
    }

    /**
     * Values around the size from which replies are passed on as they arrive, and well above it:
     * each comes back whole, byte for byte, alone and in a pipeline with small replies from every
     * shard between them (MGET fragments are gathered, not streamed).
     */
    @Test
    void largeValuesStreamedThroughComeBackWholeAndInOrder() {
        Random random = new Random(7);
        int[] sizes = {8180, 8185, 8186, 8187, 8192, 8200, 16 << 10, 100_000, 1 << 20, 3 << 20};
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        // The ring depends on the backends' (random) ports: the keys are picked so that they go
        // round the three shards in turn.
        List<ServerSpec> shards = new ArrayList<>();
        for (int n = 0; shards.size() < 3; n++) {
            ServerSpec shard = proxy.serverOf("probe:" + n);
            if (!shards.contains(shard)) {
                shards.add(shard);
            }
        }
        for (int i = 0; i < sizes.length; i++) {
            String key;
            int n = 0;
            do {
                key = i + ":stream:" + n++;
            } while (!proxy.serverOf(key).equals(shards.get(i % 3)));
            keys.add(key.getBytes(StandardCharsets.UTF_8));
            byte[] value = new byte[sizes[i]];
            random.nextBytes(value);
            values.add(value);
        }
        assertThat(keys.stream().map(k -> proxy.serverOf(new String(k, StandardCharsets.UTF_8))).distinct().count())
                .as("the keys span the shards").isEqualTo(3);
        try (Jedis jedis = new Jedis("127.0.0.1", proxy.port(), 60_000)) {
            for (int i = 0; i < sizes.length; i++) {
                assertThat(jedis.set(keys.get(i), values.get(i))).isEqualTo("OK");
                assertThat(jedis.get(keys.get(i))).as("%d bytes", sizes[i]).isEqualTo(values.get(i));
            }
            for (int round = 0; round < 3; round++) {
                int[] picks = random.ints(200, 0, sizes.length).toArray();
                Pipeline pipeline = jedis.pipelined();
                List<Response<byte[]>> large = new ArrayList<>();
                List<Response<String>> small = new ArrayList<>();
                List<Response<List<byte[]>>> mgets = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    int k = picks[i];
                    large.add(pipeline.get(keys.get(k)));
                    small.add(pipeline.get(i + ":absent"));
                    if (i % 20 == 0) {
                        mgets.add(pipeline.mget(keys.get(k), keys.get((k + 1) % sizes.length)));
                    }
                }
                pipeline.sync();
                for (int i = 0; i < 200; i++) {
                    int k = picks[i];
                    assertThat(large.get(i).get()).as("GET %d of round %d", i, round).isEqualTo(values.get(k));
                    assertThat(small.get(i).get()).isNull();
                    if (i % 20 == 0) {
                        List<byte[]> both = mgets.get(i / 20).get();
                        assertThat(both.get(0)).isEqualTo(values.get(k));
                        assertThat(both.get(1)).isEqualTo(values.get((k + 1) % sizes.length));
                    }
                }
            }
            assertThat(jedis.del(keys.toArray(new byte[0][]))).isEqualTo(sizes.length);
        }
    }

    @Test
    void lettuceFallsBackToResp2AfterHelloIsRefusedAndWorks() throws Exception {
        RedisClient client = RedisClient.create(lettuceResources, RedisURI.create("127.0.0.1", proxy.port()));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.ping()).isEqualTo("PONG");
            assertThat(sync.set("lettuce:1", "one")).isEqualTo("OK");
            assertThat(sync.get("lettuce:1")).isEqualTo("one");
            assertThat(sync.mset(Map.of("lettuce:2", "two", "lettuce:3", "three", "lettuce:4", "four")))
                    .isEqualTo("OK");
            assertThat(sync.mget("lettuce:1", "lettuce:2", "lettuce:none", "lettuce:4"))
                    .extracting(kv -> kv.getValueOrElse(null)).containsExactly("one", "two", null, "four");
            assertThat(sync.incr("lettuce:n")).isEqualTo(1);
            assertThat(sync.hset("lettuce:h", Map.of("f", "v"))).isEqualTo(1);
            assertThat(sync.hgetall("lettuce:h")).containsExactlyEntriesOf(Map.of("f", "v"));
            assertThat(sync.rpush("lettuce:l", "a", "b")).isEqualTo(2);
            assertThat(sync.lrange("lettuce:l", 0, -1)).containsExactly("a", "b");
            assertThat(sync.sadd("lettuce:s", "x")).isEqualTo(1);
            assertThat(sync.smembers("lettuce:s")).isEqualTo(Set.of("x"));
            assertThat(sync.zadd("lettuce:z", 1.0, "m")).isEqualTo(1);
            assertThat(sync.zrange("lettuce:z", 0, -1)).containsExactly("m");
            assertThat(sync.pfadd("lettuce:hll", "a", "b")).isEqualTo(1);
            String evaluated = sync.eval("return redis.call('GET', KEYS[1])", ScriptOutputType.VALUE, "lettuce:1");
            assertThat(evaluated).isEqualTo("one");
            assertThat(sync.exists("lettuce:1", "lettuce:2", "lettuce:3", "lettuce:none")).isEqualTo(3);
            assertThat(sync.del("lettuce:1", "lettuce:2", "lettuce:3", "lettuce:4")).isEqualTo(4);
            assertThat(sync.echo("x")).isEqualTo("x");
            assertThat(sync.ping()).isEqualTo("PONG");

            // Asynchronous pipelining: 5,000 commands in one flush.
            RedisAsyncCommands<String, String> async = connection.async();
            connection.setAutoFlushCommands(false);
            List<RedisFuture<String>> sets = new ArrayList<>();
            List<RedisFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 2500; i++) {
                sets.add(async.set("lettuce:p:" + i, "v" + i));
                gets.add(async.get("lettuce:p:" + i));
            }
            connection.flushCommands();
            connection.setAutoFlushCommands(true);
            for (int i = 0; i < 2500; i++) {
                assertThat(sets.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("OK");
                assertThat(gets.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("v" + i);
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Two keys with {@code prefix} that the pool routes to different servers. */
    private static String[] keysOnDifferentServers(String prefix) {
        String first = prefix + "0";
        ServerSpec firstServer = proxy.serverOf(first);
        for (int i = 1; ; i++) {
            String key = prefix + i;
            if (!proxy.serverOf(key).equals(firstServer)) {
                return new String[] {first, key};
            }
        }
    }
}
