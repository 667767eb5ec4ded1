package dev.nutjar.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.redis.RedisCommand.Kind;
import dev.nutjar.redis.RedisCommand.KeyLayout;
import dev.nutjar.redis.RedisCommand.Merge;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisCommandTest {

    /** twemproxy 0.5's supported commands, from its parser (reference 6.2). */
    static final List<String> TWEMPROXY_COMMANDS = List.of(
            // argz
            "PING", "QUIT", "COMMAND",
            // arg0
            "AUTH", "DECR", "DUMP", "GET", "GETDEL", "HGETALL", "HKEYS", "HLEN", "HVALS", "INCR", "LLEN",
            "PERSIST", "PTTL", "SCARD", "SMEMBERS", "STRLEN", "TTL", "TYPE", "ZCARD",
            // arg1
            "APPEND", "DECRBY", "EXPIRE", "EXPIREAT", "GETBIT", "GETSET", "HEXISTS", "HGET", "HSTRLEN",
            "INCRBY", "INCRBYFLOAT", "LINDEX", "MOVE", "PEXPIRE", "PEXPIREAT", "RPOPLPUSH", "SETNX",
            "SISMEMBER", "ZRANK", "ZREVRANK", "ZSCORE",
            // arg2
            "GETRANGE", "HINCRBY", "HINCRBYFLOAT", "HSETNX", "LRANGE", "LREM", "LSET", "LTRIM", "PSETEX",
            "SETBIT", "SETEX", "SETRANGE", "SMOVE", "ZCOUNT", "ZINCRBY", "ZLEXCOUNT", "ZREMRANGEBYLEX",
            "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE",
            // arg3
            "LINSERT", "LMOVE",
            // argn
            "BITCOUNT", "BITFIELD", "BITPOS", "COPY", "EXISTS", "GEOADD", "GEODIST", "GEOHASH", "GEOPOS",
            "GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCH", "GEOSEARCHSTORE", "GETEX", "HDEL", "HMGET",
            "HMSET", "HRANDFIELD", "HSCAN", "HSET", "LPOP", "LPOS", "LPUSH", "LPUSHX", "PFADD", "PFCOUNT",
            "PFMERGE", "RESTORE", "RPOP", "RPUSH", "RPUSHX", "SADD", "SDIFF", "SDIFFSTORE", "SET", "SINTER",
            "SINTERSTORE", "SMISMEMBER", "SORT", "SPOP", "SRANDMEMBER", "SREM", "SSCAN", "SUNION",
            "SUNIONSTORE", "ZADD", "ZDIFF", "ZDIFFSTORE", "ZINTER", "ZINTERSTORE", "ZMSCORE", "ZPOPMAX",
            "ZPOPMIN", "ZRANDMEMBER", "ZRANGE", "ZRANGEBYLEX", "ZRANGEBYSCORE", "ZRANGESTORE", "ZREM",
            "ZREVRANGE", "ZREVRANGEBYLEX", "ZREVRANGEBYSCORE", "ZSCAN", "ZUNION", "ZUNIONSTORE",
            // argx, argkvx, argeval, no key
            "DEL", "MGET", "TOUCH", "UNLINK", "MSET", "EVAL", "EVALSHA", "LOLWUT");

    /** Commands twemproxy refuses that Nutjar accepts: the connection commands, fan-outs and SCAN. */
    static final List<String> CONNECTION_AND_FAN_OUT_COMMANDS = List.of(
            "ECHO", "HELLO", "CLIENT", "SELECT", "TIME",
            "DBSIZE", "INFO", "RANDOMKEY", "SCRIPT", "FLUSHDB", "FLUSHALL", "KEYS", "SCAN");
    /** Added by Nutjar: pub/sub, transactions, blocking commands, on a client's own connections. */
    static final List<String> SESSION_COMMANDS = List.of("PUBLISH", "SPUBLISH", "SUBSCRIBE", "PSUBSCRIBE",
            "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MULTI", "EXEC", "DISCARD", "WATCH",
            "UNWATCH", "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZMPOP",
            "XREAD", "XREADGROUP", "XADD", "XLEN", "XRANGE", "XREVRANGE", "XDEL", "XTRIM", "XACK");

    @Test
    void everyTwemproxyCommandIsSupportedAndNothingElseButNutjarsOwn() {
        assertThat(TWEMPROXY_COMMANDS).hasSize(137).doesNotHaveDuplicates();
        for (String name : TWEMPROXY_COMMANDS) {
            assertThat(RedisCommand.lookup(name)).as(name).isNotNull();
        }
        Set<String> names = new TreeSet<>();
        for (RedisCommand command : RedisCommand.values()) {
            names.add(command.name());
        }
        Set<String> expected = new TreeSet<>(TWEMPROXY_COMMANDS);
        expected.add("MSETNX");
        expected.addAll(CONNECTION_AND_FAN_OUT_COMMANDS);
        expected.addAll(SESSION_COMMANDS);
        assertThat(names).isEqualTo(expected);
    }

    @Test
    void everyCommandIsFoundByItsNameInAnyCase() {
        for (RedisCommand command : RedisCommand.values()) {
            String name = command.name();
            assertThat(RedisCommand.lookup(name)).isSameAs(command);
            assertThat(RedisCommand.lookup(name.toLowerCase(Locale.ROOT))).isSameAs(command);
            assertThat(RedisCommand.lookup(mixedCase(name))).isSameAs(command);
            assertThat(command.lowercaseName()).isEqualTo(name.toLowerCase(Locale.ROOT));
        }
    }

    @Test
    void lookupReadsOnlyTheGivenRangeOfABuffer() {
        ByteBuf buf = Unpooled.copiedBuffer("xxmGeTyy", java.nio.charset.StandardCharsets.US_ASCII);
        try {
            assertThat(RedisCommand.lookup(buf, 2, 4)).isSameAs(RedisCommand.MGET);
            assertThat(RedisCommand.lookup(buf, 3, 3)).isSameAs(RedisCommand.GET);
            assertThat(RedisCommand.lookup(buf, 2, 5)).isNull();
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "G", "GE", "GETT", "MONITOR", "SWAPDB", "CONFIG", "DEBUG",
            "GEORADIUSBYMEMBERX", "ge\u00f4", "G\u0000T", "get ", " get", "GEORADIUSBYMEMBER_RO"})
    void unsupportedNamesAreNotFound(String name) {
        assertThat(RedisCommand.lookup(name)).isNull();
    }

    @Test
    void nonLettersAreNotFoldedIntoLetters() {
        // '@' | 0x20 == '`', and 'G' - 0x20 == '\''; only ASCII letters are case-folded.
        assertThat(RedisCommand.lookup("G\u0005T")).isNull();
        assertThat(RedisCommand.lookup("\u0007ET")).isNull();
    }

    @Test
    void aritiesFollowTwemproxy() {
        // But PING and COMMAND: Redis's, as Nutjar answers them itself.
        assertThat(RedisCommand.PING.arity()).isEqualTo(-1);
        assertThat(RedisCommand.COMMAND.arity()).isEqualTo(-1);
        assertThat(RedisCommand.LOLWUT.arity()).isEqualTo(-1);
        assertThat(RedisCommand.AUTH.arity()).isEqualTo(2);
        assertThat(RedisCommand.GET.arity()).isEqualTo(2);
        assertThat(RedisCommand.EXPIRE.arity()).isEqualTo(3);
        assertThat(RedisCommand.ZREMRANGEBYSCORE.arity()).isEqualTo(4);
        assertThat(RedisCommand.LINSERT.arity()).isEqualTo(5);
        assertThat(RedisCommand.SET.arity()).isEqualTo(-2);
        assertThat(RedisCommand.MGET.arity()).isEqualTo(-2);
        assertThat(RedisCommand.MSET.arity()).isEqualTo(-3);
        assertThat(RedisCommand.EVAL.arity()).isEqualTo(-3);

        assertThat(RedisCommand.GET.acceptsArgCount(2)).isTrue();
        assertThat(RedisCommand.GET.acceptsArgCount(1)).isFalse();
        assertThat(RedisCommand.GET.acceptsArgCount(3)).isFalse();
        assertThat(RedisCommand.SET.acceptsArgCount(2)).isTrue();
        assertThat(RedisCommand.SET.acceptsArgCount(7)).isTrue();
        assertThat(RedisCommand.MSET.acceptsArgCount(3)).isTrue();
        assertThat(RedisCommand.MSET.acceptsArgCount(4)).isFalse();
        assertThat(RedisCommand.MSET.acceptsArgCount(5)).isTrue();
        assertThat(RedisCommand.MSETNX.acceptsArgCount(4)).isFalse();
        assertThat(RedisCommand.LOLWUT.acceptsArgCount(1)).isTrue();
    }

    @Test
    void classification() {
        for (RedisCommand command : List.of(RedisCommand.PING, RedisCommand.QUIT, RedisCommand.AUTH,
                RedisCommand.COMMAND, RedisCommand.ECHO, RedisCommand.HELLO, RedisCommand.CLIENT, RedisCommand.SELECT,
                RedisCommand.TIME)) {
            assertThat(command.kind()).isEqualTo(Kind.LOCAL);
            assertThat(command.keyLayout()).isEqualTo(KeyLayout.NONE);
        }
        for (RedisCommand command : List.of(RedisCommand.DBSIZE, RedisCommand.INFO, RedisCommand.RANDOMKEY,
                RedisCommand.SCRIPT, RedisCommand.FLUSHDB, RedisCommand.FLUSHALL, RedisCommand.KEYS)) {
            assertThat(command.kind()).isEqualTo(Kind.EVERY_SERVER);
            assertThat(command.keyLayout()).isEqualTo(KeyLayout.NONE);
        }
        assertThat(RedisCommand.SCAN.kind()).isEqualTo(Kind.SERVER_BY_SERVER);
        assertThat(RedisCommand.LOLWUT.kind()).isEqualTo(Kind.PLACEHOLDER);
        assertThat(RedisCommand.MOVE.kind()).isEqualTo(Kind.REJECTED);
        for (RedisCommand command : List.of(RedisCommand.DEL, RedisCommand.UNLINK, RedisCommand.TOUCH,
                RedisCommand.EXISTS)) {
            assertThat(command.kind()).isEqualTo(Kind.FRAGMENTED);
            assertThat(command.keyLayout()).isEqualTo(KeyLayout.ALL);
            assertThat(command.merge()).isEqualTo(Merge.SUM);
        }
        assertThat(RedisCommand.MGET.merge()).isEqualTo(Merge.ARRAY);
        assertThat(RedisCommand.MSET.merge()).isEqualTo(Merge.ALL_OK);
        assertThat(RedisCommand.MSET.keyLayout()).isEqualTo(KeyLayout.PAIRS);
        assertThat(RedisCommand.MSETNX.kind()).isEqualTo(Kind.SAME_SERVER);
        assertThat(RedisCommand.MSETNX.keyLayout()).isEqualTo(KeyLayout.PAIRS);
        assertThat(RedisCommand.EVAL.kind()).isEqualTo(Kind.SAME_SERVER);
        assertThat(RedisCommand.EVALSHA.keyLayout()).isEqualTo(KeyLayout.SCRIPT);
        // The numkeys quirk: routed by the first argument like any single-key command.
        assertThat(RedisCommand.ZINTER.kind()).isEqualTo(Kind.SINGLE_KEY);
        assertThat(RedisCommand.ZUNION.keyLayout()).isEqualTo(KeyLayout.FIRST);
        long singleKey = Arrays.stream(RedisCommand.values()).filter(c -> c.kind() == Kind.SINGLE_KEY).count();
        // ...plus PUBLISH and SPUBLISH, routed by their channel, and seven stream commands
        assertThat(singleKey).isEqualTo(137 - 4 - 1 - 1 - 6 - 2 + 2 + 7);
    }

    @Test
    void onlyCommandsThatReadAreReadOnly() {
        for (RedisCommand command : List.of(RedisCommand.GET, RedisCommand.MGET, RedisCommand.EXISTS,
                RedisCommand.HGETALL, RedisCommand.ZRANGE, RedisCommand.LRANGE, RedisCommand.XRANGE)) {
            assertThat(command.readOnly()).as(command.name()).isTrue();
        }
        // Writes, scripts, anything that may store (SORT ... STORE, GEORADIUS ... STORE, PFCOUNT's
        // cache), blocking and session commands, and what the proxy answers itself.
        for (RedisCommand command : List.of(RedisCommand.SET, RedisCommand.MSET, RedisCommand.DEL,
                RedisCommand.INCR, RedisCommand.GETDEL, RedisCommand.GETEX, RedisCommand.EVAL,
                RedisCommand.EVALSHA, RedisCommand.SORT, RedisCommand.GEORADIUS, RedisCommand.BITFIELD,
                RedisCommand.PFCOUNT, RedisCommand.TOUCH, RedisCommand.BLPOP, RedisCommand.XREAD,
                RedisCommand.MULTI, RedisCommand.PUBLISH, RedisCommand.PING, RedisCommand.INFO)) {
            assertThat(command.readOnly()).as(command.name()).isFalse();
        }
    }

    private static String mixedCase(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(i % 2 == 0 ? Character.toLowerCase(c) : c);
        }
        return out.toString();
    }
}
