package dev.nutjar.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The Redis commands Nutjar accepts: the 137 that twemproxy 0.5 supports, with twemproxy's arities,
 * plus {@code MSETNX}, plus the commands in Nutjar's own blocks at the end (connection commands the
 * proxy answers, commands sent to every server, {@code SCAN}). Anything else is answered with
 * Redis's {@code unknown command} error. {@code HELLO 3} gets Redis's {@code NOPROTO}: that makes
 * Lettuce, which opens with it, fall back to RESP2, and RESP2 is all the proxy speaks.
 *
 * <p>Arity follows Redis's convention and counts the command name: {@code 2} means exactly two
 * arguments ({@code GET key}), {@code -2} means at least two. twemproxy's rules are kept as they
 * are, including the ones that are stricter than Redis 7 ({@code EXPIRE key seconds} without
 * {@code NX}, {@code AUTH} with one argument); {@code PING} takes Redis's optional message.
 *
 * <p>Where a command's keys are and how it is routed is described by {@link #kind()}. One quirk
 * is kept on purpose: {@code ZINTER}, {@code ZUNION} and {@code ZDIFF} take {@code numkeys} as
 * their first argument and twemproxy routes them by that argument as if it were the key. Nutjar
 * does the same so that such commands reach the same server as before a migration.
 */
public enum RedisCommand {

    // Answered by the proxy.
    /** {@code PING [message]}: twemproxy takes no message, Nutjar takes Redis's. */
    PING(-1, Kind.LOCAL),
    QUIT(1, Kind.LOCAL),
    /** The single argument is the password, not a key. */
    AUTH(2, Kind.LOCAL),

    /** Answered by Nutjar with what it accepts; twemproxy forwards it to the "placeholder" key's server. */
    COMMAND(-1, Kind.LOCAL),

    // No key: routed as if the key were "placeholder".
    LOLWUT(-1, Kind.PLACEHOLDER),

    // Key only.
    DECR(2), DUMP(2), GET(2), GETDEL(2), HGETALL(2), HKEYS(2), HLEN(2), HVALS(2), INCR(2), LLEN(2),
    PERSIST(2), PTTL(2), SCARD(2), SMEMBERS(2), STRLEN(2), TTL(2), TYPE(2), ZCARD(2),

    // Key and exactly one more argument.
    APPEND(3), DECRBY(3), EXPIRE(3), EXPIREAT(3), GETBIT(3), GETSET(3), HEXISTS(3), HGET(3),
    HSTRLEN(3), INCRBY(3), INCRBYFLOAT(3), LINDEX(3), PEXPIRE(3), PEXPIREAT(3), RPOPLPUSH(3),
    SETNX(3), SISMEMBER(3), ZRANK(3), ZREVRANK(3), ZSCORE(3),
    /** twemproxy accepts MOVE and then closes the connection; Nutjar answers with an error. */
    MOVE(3, Kind.REJECTED),

    // Key and exactly two more arguments.
    GETRANGE(4), HINCRBY(4), HINCRBYFLOAT(4), HSETNX(4), LRANGE(4), LREM(4), LSET(4), LTRIM(4),
    PSETEX(4), SETBIT(4), SETEX(4), SETRANGE(4), SMOVE(4), ZCOUNT(4), ZINCRBY(4), ZLEXCOUNT(4),
    ZREMRANGEBYLEX(4), ZREMRANGEBYRANK(4), ZREMRANGEBYSCORE(4),

    // Key and exactly three more arguments.
    LINSERT(5), LMOVE(5),

    // Key and any number of arguments; routed whole by the first key, other keys unchecked.
    BITCOUNT(-2), BITFIELD(-2), BITPOS(-2), COPY(-2), GEOADD(-2), GEODIST(-2), GEOHASH(-2),
    GEOPOS(-2), GEORADIUS(-2), GEORADIUSBYMEMBER(-2), GEOSEARCH(-2), GEOSEARCHSTORE(-2), GETEX(-2),
    HDEL(-2), HMGET(-2), HMSET(-2), HRANDFIELD(-2), HSCAN(-2), HSET(-2), LPOP(-2), LPOS(-2),
    LPUSH(-2), LPUSHX(-2), PFADD(-2), PFCOUNT(-2), PFMERGE(-2), RESTORE(-2), RPOP(-2), RPUSH(-2),
    RPUSHX(-2), SADD(-2), SDIFF(-2), SDIFFSTORE(-2), SET(-2), SINTER(-2), SINTERSTORE(-2),
    SMISMEMBER(-2), SORT(-2), SPOP(-2), SRANDMEMBER(-2), SREM(-2), SSCAN(-2), SUNION(-2),
    SUNIONSTORE(-2), ZADD(-2), ZDIFF(-2), ZDIFFSTORE(-2), ZINTER(-2), ZINTERSTORE(-2), ZMSCORE(-2),
    ZPOPMAX(-2), ZPOPMIN(-2), ZRANDMEMBER(-2), ZRANGE(-2), ZRANGEBYLEX(-2), ZRANGEBYSCORE(-2),
    ZRANGESTORE(-2), ZREM(-2), ZREVRANGE(-2), ZREVRANGEBYLEX(-2), ZREVRANGEBYSCORE(-2), ZSCAN(-2),
    ZUNION(-2), ZUNIONSTORE(-2),

    // Split per server and merged back.
    DEL(-2, Kind.FRAGMENTED, KeyLayout.ALL, Merge.SUM),
    UNLINK(-2, Kind.FRAGMENTED, KeyLayout.ALL, Merge.SUM),
    TOUCH(-2, Kind.FRAGMENTED, KeyLayout.ALL, Merge.SUM),
    /** Fragmented by Nutjar with the counts summed; twemproxy sends it whole to the first key's server. */
    EXISTS(-2, Kind.FRAGMENTED, KeyLayout.ALL, Merge.SUM),
    MGET(-2, Kind.FRAGMENTED, KeyLayout.ALL, Merge.ARRAY),
    /** Key/value pairs; not atomic across servers, as in twemproxy. */
    MSET(-3, Kind.FRAGMENTED, KeyLayout.PAIRS, Merge.ALL_OK),

    // Every key must live on one server.
    /** Added by Nutjar (twemproxy rejects it): atomic, so all keys must map to one server. */
    MSETNX(-3, Kind.SAME_SERVER, KeyLayout.PAIRS, Merge.NONE),
    /** {@code EVAL script numkeys key...}: twemproxy requires numkeys >= 1; so does Nutjar. */
    EVAL(-3, Kind.SAME_SERVER, KeyLayout.SCRIPT, Merge.NONE),
    EVALSHA(-3, Kind.SAME_SERVER, KeyLayout.SCRIPT, Merge.NONE),

    // Added by Nutjar: connection commands answered by the proxy, with the client's own state.
    ECHO(2, Kind.LOCAL), HELLO(-1, Kind.LOCAL), CLIENT(-2, Kind.LOCAL), SELECT(2, Kind.LOCAL),
    TIME(1, Kind.LOCAL),

    // Added by Nutjar: sent to every server of the pool, the replies merged.
    DBSIZE(1, Kind.EVERY_SERVER), INFO(-1, Kind.EVERY_SERVER), RANDOMKEY(1, Kind.EVERY_SERVER),
    SCRIPT(-2, Kind.EVERY_SERVER),
    /** Only where the pool enables it ({@code allow_commands}): it empties every server. */
    FLUSHDB(-1, Kind.EVERY_SERVER), FLUSHALL(-1, Kind.EVERY_SERVER),
    /** Only where the pool enables it ({@code allow_commands}): it blocks every server while it runs. */
    KEYS(2, Kind.EVERY_SERVER),

    // Added by Nutjar: one server after the other, the cursor naming the server.
    SCAN(-2, Kind.SERVER_BY_SERVER),

    // Sessions, added by Nutjar: pub/sub, transactions and blocking commands. The proxy runs them
    // on backend connections of the client's own (see the README); the channel routes PUBLISH.
    PUBLISH(3), SPUBLISH(3),
    // Streams, for XREAD BLOCK to have something to read: single-key commands.
    XADD(-5), XLEN(2), XRANGE(-4), XREVRANGE(-4), XDEL(-3), XTRIM(-4), XACK(-4),
    SUBSCRIBE(-2, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    PSUBSCRIBE(-2, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    SSUBSCRIBE(-2, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    UNSUBSCRIBE(-1, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    PUNSUBSCRIBE(-1, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    SUNSUBSCRIBE(-1, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    MULTI(1, Kind.SESSION), EXEC(1, Kind.SESSION), DISCARD(1, Kind.SESSION), UNWATCH(1, Kind.SESSION),
    WATCH(-2, Kind.SESSION, KeyLayout.ALL, Merge.NONE),
    BLPOP(-3, Kind.BLOCKING, KeyLayout.ALL_BUT_LAST, Merge.NONE),
    BRPOP(-3, Kind.BLOCKING, KeyLayout.ALL_BUT_LAST, Merge.NONE),
    BZPOPMIN(-3, Kind.BLOCKING, KeyLayout.ALL_BUT_LAST, Merge.NONE),
    BZPOPMAX(-3, Kind.BLOCKING, KeyLayout.ALL_BUT_LAST, Merge.NONE),
    BRPOPLPUSH(4, Kind.BLOCKING, KeyLayout.FIRST_TWO, Merge.NONE),
    BLMOVE(6, Kind.BLOCKING, KeyLayout.FIRST_TWO, Merge.NONE),
    /** {@code BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]}. */
    BLMPOP(-5, Kind.BLOCKING, KeyLayout.NUMKEYS_SECOND, Merge.NONE),
    BZMPOP(-5, Kind.BLOCKING, KeyLayout.NUMKEYS_SECOND, Merge.NONE),
    /** Blocking with {@code BLOCK}; else every stream must live on one server. */
    XREAD(-4, Kind.BLOCKING, KeyLayout.STREAMS, Merge.NONE),
    XREADGROUP(-7, Kind.BLOCKING, KeyLayout.STREAMS, Merge.NONE);

    /** How a command is handled by the proxy. */
    public enum Kind {
        /** Answered by the proxy itself: PING, QUIT, AUTH, ECHO, HELLO, CLIENT, SELECT, TIME, COMMAND. */
        LOCAL,
        /** Has no key; routed by {@link RedisRequest#PLACEHOLDER_KEY}, as twemproxy does. */
        PLACEHOLDER,
        /** Routed by its first argument. */
        SINGLE_KEY,
        /** Several keys, split into one command per server and merged back ({@link Merge}). */
        FRAGMENTED,
        /** Several keys that must all map to one server; otherwise the request fails. */
        SAME_SERVER,
        /** Known but refused with an error; the connection stays open. */
        REJECTED,
        /** Sent to every server of the pool, the replies merged (DBSIZE, INFO, KEYS...). */
        EVERY_SERVER,
        /** Sent to the one server its cursor names, the servers walked in ring order (SCAN). */
        SERVER_BY_SERVER,
        /** Changes the client's session: pub/sub, transactions ({@link dev.nutjar.protocol.SessionRole}). */
        SESSION,
        /** May block until another client acts: run on a connection of the client's own. */
        BLOCKING
    }

    /** Where a command's keys are. */
    public enum KeyLayout {
        /** No key. */
        NONE,
        /** The first argument. */
        FIRST,
        /** Every argument. */
        ALL,
        /** Every other argument, from the first: key, value, key, value... */
        PAIRS,
        /** {@code script numkeys key...}: the numkeys arguments after numkeys. */
        SCRIPT,
        /** Every argument but the last (BLPOP's timeout). */
        ALL_BUT_LAST,
        /** The first two arguments (BLMOVE's source and destination). */
        FIRST_TWO,
        /** {@code timeout numkeys key...}: the numkeys arguments after numkeys (BLMPOP). */
        NUMKEYS_SECOND,
        /** The first half of the arguments after {@code STREAMS} (XREAD). */
        STREAMS
    }

    /** How the replies of a fragmented command's parts are combined. */
    public enum Merge {
        /** Not fragmented. */
        NONE,
        /** One array with each key's element in the order of the keys (MGET). */
        ARRAY,
        /** The sum of the integer replies (DEL, UNLINK, TOUCH, EXISTS). */
        SUM,
        /** {@code +OK} once every part succeeded (MSET). */
        ALL_OK
    }

    private final int arity;
    private final Kind kind;
    private final KeyLayout keyLayout;
    private final Merge merge;
    private final String lowercaseName;
    private final byte[] lowercaseBytes;

    RedisCommand(int arity) {
        this(arity, Kind.SINGLE_KEY, KeyLayout.FIRST, Merge.NONE);
    }

    RedisCommand(int arity, Kind kind) {
        this(arity, kind, KeyLayout.NONE, Merge.NONE);
    }

    RedisCommand(int arity, Kind kind, KeyLayout keyLayout, Merge merge) {
        this.arity = arity;
        this.kind = kind;
        this.keyLayout = keyLayout;
        this.merge = merge;
        this.lowercaseName = name().toLowerCase(Locale.ROOT);
        this.lowercaseBytes = lowercaseName.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The number of arguments including the command name, Redis style: {@code n > 0} means
     * exactly n, {@code n < 0} means at least -n.
     */
    public int arity() {
        return arity;
    }

    public Kind kind() {
        return kind;
    }

    public KeyLayout keyLayout() {
        return keyLayout;
    }

    public Merge merge() {
        return merge;
    }

    /** The name in lower case, as Redis prints it in errors and as fragments are sent. */
    public String lowercaseName() {
        return lowercaseName;
    }

    /**
     * Whether {@code argCount} arguments (including the name) satisfy the arity; for key/value
     * commands the count must also be odd. Does not check EVAL's numkeys.
     */
    public boolean acceptsArgCount(int argCount) {
        boolean countOk = arity > 0 ? argCount == arity : argCount >= -arity;
        return countOk && (keyLayout != KeyLayout.PAIRS || (argCount & 1) == 1);
    }

    /**
     * Whether the command only reads, as Redis's own command table flags it {@code readonly}: a
     * replica may answer it. Left out although Redis flags them so: {@code PFCOUNT} (it may store
     * the cardinality it computed), {@code TOUCH} (it marks keys used on the node that runs it),
     * {@code LOLWUT}, and the blocking and session commands.
     */
    public boolean readOnly() {
        return READ_ONLY[ordinal()];
    }

    private static final boolean[] READ_ONLY = table(EnumSet.of(
            GET, GETRANGE, GETBIT, BITCOUNT, BITPOS, STRLEN, MGET, EXISTS, TTL, PTTL, TYPE, DUMP,
            HGET, HGETALL, HKEYS, HVALS, HLEN, HEXISTS, HSTRLEN, HMGET, HRANDFIELD, HSCAN,
            LLEN, LINDEX, LRANGE, LPOS,
            SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SRANDMEMBER, SSCAN, SDIFF, SINTER, SUNION,
            ZCARD, ZCOUNT, ZLEXCOUNT, ZRANGE, ZRANGEBYLEX, ZRANGEBYSCORE, ZREVRANGE, ZREVRANGEBYLEX,
            ZREVRANGEBYSCORE, ZRANK, ZREVRANK, ZSCORE, ZMSCORE, ZRANDMEMBER, ZSCAN, ZDIFF, ZINTER, ZUNION,
            GEODIST, GEOHASH, GEOPOS, GEOSEARCH,
            XLEN, XRANGE, XREVRANGE));

    private static boolean[] table(Set<RedisCommand> commands) {
        boolean[] table = new boolean[values().length];
        for (RedisCommand command : commands) {
            table[command.ordinal()] = true;
        }
        return table;
    }

    /** The lower-case name as bytes; shared, never modify. */
    byte[] lowercaseBytes() {
        return lowercaseBytes;
    }

    // Open-addressing table keyed by a hash of the lower-cased name: lookups allocate nothing.
    private static final int TABLE_BITS = 9;
    private static final RedisCommand[] TABLE = new RedisCommand[1 << TABLE_BITS];
    private static final int MAX_NAME_LENGTH;

    static {
        int longest = 0;
        for (RedisCommand command : values()) {
            byte[] name = command.lowercaseBytes;
            longest = Math.max(longest, name.length);
            int hash = 0;
            for (byte b : name) {
                hash = mix(hash, b);
            }
            int slot = slot(hash);
            while (TABLE[slot] != null) {
                slot = (slot + 1) & (TABLE.length - 1);
            }
            TABLE[slot] = command;
        }
        MAX_NAME_LENGTH = longest;
    }

    private static int mix(int hash, byte b) {
        // |0x20 lower-cases ASCII letters; other bytes may collide in the hash, which the byte
        // comparison below resolves.
        return (hash ^ (b | 0x20)) * 0x01000193;
    }

    private static int slot(int hash) {
        return (hash ^ (hash >>> TABLE_BITS) ^ (hash >>> 2 * TABLE_BITS)) & ((1 << TABLE_BITS) - 1);
    }

    /**
     * Finds a command by name, ignoring ASCII case, without allocating.
     *
     * @param buf read with absolute indexes; its indexes and reference count are not changed
     * @return the command, or {@code null} if Nutjar does not support it
     */
    public static RedisCommand lookup(ByteBuf buf, int index, int length) {
        if (length <= 0 || length > MAX_NAME_LENGTH) {
            return null;
        }
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash = mix(hash, buf.getByte(index + i));
        }
        for (int slot = slot(hash); ; slot = (slot + 1) & (TABLE.length - 1)) {
            RedisCommand candidate = TABLE[slot];
            if (candidate == null) {
                return null;
            }
            if (candidate.nameEqualsIgnoreCase(buf, index, length)) {
                return candidate;
            }
        }
    }

    /** Finds a command by name, ignoring case; for configuration and tests, not the hot path. */
    public static RedisCommand lookup(CharSequence name) {
        byte[] bytes = name.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return lookup(buf, 0, bytes.length);
        } finally {
            buf.release();
        }
    }

    /** Whether the {@code length} bytes of {@code buf} at {@code index} are this command's name, in any case. */
    boolean nameEqualsIgnoreCase(ByteBuf buf, int index, int length) {
        byte[] name = lowercaseBytes;
        if (name.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int b = buf.getByte(index + i);
            if (b >= 'A' && b <= 'Z') {
                b |= 0x20;
            }
            if (b != name[i]) {
                return false;
            }
        }
        return true;
    }
}
