package dev.nutjar.redis;

import static dev.nutjar.redis.Codec.command;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ClientConnection;
import dev.nutjar.protocol.PoolView;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.Split;
import dev.nutjar.redis.internal.ScanCursor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The commands the proxy answers itself or sends to several servers, through the client codec. */
class ProxyAnsweredCommandsTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final ClientConnection CLIENT = new ClientConnection(7, "10.0.0.1:5000", "10.0.0.2:22121");

    private final ClientCodec codec = new RedisProtocol().newClientCodec(ProtocolSettings.defaults(), CLIENT);

    @Test
    void echoPingTimeAndSelect() {
        assertThat(local(command("ECHO", "hi there"))).isEqualTo("$8\r\nhi there\r\n");
        assertThat(local(command("PING"))).isEqualTo("+PONG\r\n");
        assertThat(local(command("PING", "x"))).isEqualTo("$1\r\nx\r\n");
        assertThat(local(command("PING", "x", "y"))).isEqualTo("-ERR wrong number of arguments for 'ping' command\r\n");
        assertThat(local(command("TIME"))).matches("\\*2\r\n\\$10\r\n\\d{10}\r\n\\$\\d\r\n\\d{1,6}\r\n");
        assertThat(local(command("SELECT", "0"))).isEqualTo("+OK\r\n");
        assertThat(local(command("SELECT", "3"))).startsWith("-ERR nutjar serves database 0 of this pool");
        assertThat(local(command("SELECT", "x"))).isEqualTo("-ERR value is not an integer or out of range\r\n");
    }

    @Test
    void aRequestSaysWhetherAReplicaMayAnswerIt() {
        for (String[] readOnly : List.of(new String[] {"GET", "k"}, new String[] {"MGET", "a", "b"},
                new String[] {"get", "k"})) {
            Request request = decode(codec, command(readOnly));
            assertThat(request.readOnly()).as(String.join(" ", readOnly)).isTrue();
            request.release();
        }
        for (String[] write : List.of(new String[] {"SET", "k", "v"}, new String[] {"EVAL", "return 1", "1", "k"},
                new String[] {"PING"})) {
            Request request = decode(codec, command(write));
            assertThat(request.readOnly()).as(String.join(" ", write)).isFalse();
            request.release();
        }
    }

    @Test
    void inlineCommandsAreAnsweredLikeTheirRespForm() {
        assertThat(local("\r\nECHO \"a b\"\r\n")).isEqualTo("$3\r\na b\r\n");
    }

    @Test
    void helloSpeaksResp2AndRefusesResp3SoClientsFallBack() {
        String hello = local(command("HELLO"));
        assertThat(hello).startsWith("*14\r\n$6\r\nserver\r\n$6\r\nnutjar\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n"
                + "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:7\r\n$4\r\nmode\r\n$5\r\nproxy\r\n");
        assertThat(local(command("HELLO", "2", "SETNAME", "app"))).isEqualTo(hello);
        assertThat(local(command("CLIENT", "GETNAME"))).isEqualTo("$3\r\napp\r\n");
        assertThat(local(command("HELLO", "3"))).isEqualTo("-NOPROTO unsupported protocol version\r\n");
        assertThat(local(command("HELLO", "x")))
                .isEqualTo("-ERR Protocol version is not an integer or out of range\r\n");
        assertThat(local(command("HELLO", "2", "FOO"))).isEqualTo("-ERR Syntax error in HELLO option 'FOO'\r\n");
    }

    @Test
    void helloAuthenticatesWithThePoolsPassword() {
        ClientCodec guarded = new RedisProtocol().newClientCodec(
                ProtocolSettings.defaults().withPassword("s3cret"), CLIENT);
        assertThat(local(guarded, command("GET", "k"))).startsWith("-NOAUTH");
        assertThat(local(guarded, command("HELLO", "2"))).startsWith("-NOAUTH HELLO must be called");
        assertThat(local(guarded, command("HELLO", "2", "AUTH", "default", "wrong"))).startsWith("-WRONGPASS");
        assertThat(local(guarded, command("HELLO", "2", "AUTH", "default", "s3cret"))).startsWith("*14\r\n");
        Request get = decode(guarded, command("GET", "k"));
        assertThat(get.action()).isEqualTo(Request.Action.FORWARD);
        get.release();
    }

    @Test
    void clientCommandsKeepThisClientsState() {
        assertThat(local(command("CLIENT", "ID"))).isEqualTo(":7\r\n");
        assertThat(local(command("CLIENT", "GETNAME"))).isEqualTo("$-1\r\n");
        assertThat(local(command("CLIENT", "SETNAME", "worker-1"))).isEqualTo("+OK\r\n");
        assertThat(local(command("CLIENT", "SETNAME", "a b"))).startsWith("-ERR Client names cannot contain spaces");
        assertThat(local(command("CLIENT", "SETINFO", "LIB-NAME", "jedis"))).isEqualTo("+OK\r\n");
        assertThat(local(command("CLIENT", "GETNAME"))).isEqualTo("$8\r\nworker-1\r\n");
        assertThat(local(command("CLIENT", "INFO"))).contains("id=7 addr=10.0.0.1:5000 laddr=10.0.0.2:22121 "
                + "name=worker-1 ").contains(" db=0 ").contains(" lib-name=jedis ").endsWith("\n\r\n");
        assertThat(local(command("CLIENT", "KILL", "x"))).startsWith("-ERR nutjar does not support 'client kill'");
        assertThat(local(command("CLIENT", "NOPE"))).isEqualTo("-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
        assertThat(local(command("CLIENT", "ID", "x")))
                .isEqualTo("-ERR wrong number of arguments for 'client|id' command\r\n");
    }

    @Test
    void commandDescribesWhatTheProxyAccepts() {
        long accepted = java.util.Arrays.stream(RedisCommand.values())
                .filter(c -> c.kind() != RedisCommand.Kind.REJECTED).count();
        assertThat(local(command("COMMAND", "COUNT"))).isEqualTo(":" + accepted + "\r\n");
        assertThat(local(command("COMMAND", "INFO", "get", "move", "nope"))).isEqualTo("*3\r\n"
                + "*10\r\n$3\r\nget\r\n:2\r\n*0\r\n:1\r\n:1\r\n:1\r\n*0\r\n*0\r\n*0\r\n*0\r\n$-1\r\n$-1\r\n");
        assertThat(local(command("COMMAND", "DOCS", "scan"))).startsWith("*2\r\n$4\r\nscan\r\n*6\r\n$7\r\nsummary\r\n");
        assertThat(local(command("COMMAND"))).startsWith("*" + accepted + "\r\n");
    }

    @Test
    void keysAndFlushAreRefusedUnlessThePoolEnablesThem() {
        assertThat(fanOutAnswer(command("KEYS", "*"), pool(3, Set.of())))
                .startsWith("-ERR nutjar: 'keys' is disabled in pool 'alpha'").contains("allow_commands: [keys]");
        assertThat(fanOutAnswer(command("FLUSHALL"), pool(3, Set.of("keys")))).contains("'flushall' is disabled");
        assertThat(local(command("FLUSHDB", "LATER"))).isEqualTo("-ERR syntax error\r\n");
        assertThat(local(command("SCRIPT", "KILL"))).startsWith("-ERR nutjar does not support 'script kill'");
        assertThat(local(command("SCRIPT", "LOAD"))).isEqualTo("-ERR wrong number of arguments for 'script|load' command\r\n");
    }

    @Test
    void everyServerGetsTheRequestAndTheRepliesMerge() {
        assertThat(merged(command("DBSIZE"), pool(3, Set.of()), ":1\r\n", ":20\r\n", ":300\r\n")).isEqualTo(":321\r\n");
        assertThat(merged(command("KEYS", "*"), pool(2, Set.of("keys")), "*1\r\n$1\r\na\r\n", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"))
                .isEqualTo("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        assertThat(merged(command("FLUSHDB"), pool(2, Set.of("flushdb")), "+OK\r\n", "+OK\r\n")).isEqualTo("+OK\r\n");
        assertThat(merged(command("RANDOMKEY"), pool(3, Set.of()), "$-1\r\n", "$1\r\nk\r\n", "$-1\r\n"))
                .isEqualTo("$1\r\nk\r\n");
        assertThat(merged(command("RANDOMKEY"), pool(2, Set.of()), "$-1\r\n", "$-1\r\n")).isEqualTo("$-1\r\n");
        assertThat(merged(command("SCRIPT", "EXISTS", "a", "b"), pool(2, Set.of()), "*2\r\n:1\r\n:1\r\n",
                "*2\r\n:0\r\n:1\r\n")).isEqualTo("*2\r\n:0\r\n:1\r\n");
        assertThat(merged(command("SCRIPT", "LOAD", "return 1"), pool(2, Set.of()), "$2\r\nab\r\n", "$2\r\nab\r\n"))
                .isEqualTo("$2\r\nab\r\n");
        // One server's error is the client's: never a sum of some of the servers.
        assertThat(merged(command("DBSIZE"), pool(2, Set.of()), ":1\r\n", "-LOADING busy\r\n"))
                .isEqualTo("-LOADING busy\r\n");
    }

    @Test
    void infoSaysItIsAProxyAndSumsTheKeyspace() {
        String info = merged(command("INFO"), pool(2, Set.of()),
                bulk("# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=100\r\n"),
                bulk("# Server\r\nredis_version:6.2.1\r\n\r\n# Keyspace\r\ndb0:keys=5,expires=2,avg_ttl=300\r\n"));
        assertThat(info).contains("redis_version:6.2.1\r\n").contains("redis_mode:proxy\r\n")
                .contains("pool:alpha\r\n").contains("# Keyspace\r\ndb0:keys=15,expires=4,avg_ttl=200\r\n");
        String keyspace = merged(command("INFO", "keyspace"), pool(1, Set.of()), bulk("db0:keys=1,expires=0,avg_ttl=0\r\n"));
        assertThat(keyspace).doesNotContain("# Server").contains("db0:keys=1,expires=0,avg_ttl=0");
    }

    @Test
    void scanWalksTheServersInOrderWithTheirOwnCursors() {
        PoolView pool = pool(2, Set.of());
        ScanCursor cursors = new ScanCursor(2, pool.fingerprint());
        Request scan = decode(codec, command("SCAN", "0", "MATCH", "k*", "COUNT", "10"));
        Split split = scan.fanOut(pool, ALLOC);
        assertThat(split.fragmentCount()).isEqualTo(1);
        assertThat(split.server(0)).isZero();
        assertThat(take(split)).isEqualTo(command("SCAN", "0", "MATCH", "k*", "COUNT", "10"));
        split.reply(0, buf("*2\r\n$2\r\n17\r\n*1\r\n$2\r\nk1\r\n"));
        String first = text(split.merge(ALLOC));
        split.release();
        scan.release();
        long next = cursors.encode(0, 17);
        assertThat(first).isEqualTo("*2\r\n" + bulk(Long.toUnsignedString(next)) + "*1\r\n$2\r\nk1\r\n");

        scan = decode(codec, command("SCAN", Long.toUnsignedString(next)));
        split = scan.fanOut(pool, ALLOC);
        assertThat(take(split)).isEqualTo(command("SCAN", "17"));
        split.reply(0, buf("*2\r\n$1\r\n0\r\n*0\r\n"));
        assertThat(text(split.merge(ALLOC))).isEqualTo("*2\r\n" + bulk(Long.toUnsignedString(cursors.encode(1, 0)))
                + "*0\r\n");
        split.release();
        scan.release();

        scan = decode(codec, command("SCAN", Long.toUnsignedString(cursors.encode(1, 0))));
        split = scan.fanOut(pool, ALLOC);
        assertThat(split.server(0)).isEqualTo(1);
        take(split);
        split.reply(0, buf("*2\r\n$1\r\n0\r\n*0\r\n"));
        assertThat(text(split.merge(ALLOC))).isEqualTo("*2\r\n$1\r\n0\r\n*0\r\n");
        split.release();
        scan.release();
    }

    @Test
    void aScanCursorFromAnotherConfigurationOrTooLargeIsAnError() {
        PoolView before = pool(2, Set.of());
        String cursor = Long.toUnsignedString(new ScanCursor(2, before.fingerprint()).encode(1, 5));
        assertThat(fanOutAnswer(command("SCAN", cursor), pool(3, Set.of()))).isEqualTo("-ERR invalid cursor\r\n");
        assertThat(fanOutAnswer(command("SCAN", "abc"), before)).isEqualTo("-ERR invalid cursor\r\n");
        Request scan = decode(codec, command("SCAN", "0"));
        Split split = scan.fanOut(before, ALLOC);
        take(split);
        split.reply(0, buf("*2\r\n$20\r\n18446744073709551614\r\n*0\r\n"));
        assertThat(text(split.merge(ALLOC))).startsWith("-ERR nutjar: server s0 answered SCAN with cursor "
                + "18446744073709551614, more than the 47 bits");
        split.release();
        scan.release();
    }

    // ---------------------------------------------------------------- helpers

    private String local(String input) {
        return local(codec, input);
    }

    private static String local(ClientCodec codec, String input) {
        Request request = decode(codec, input);
        try {
            assertThat(request.action()).isEqualTo(Request.Action.LOCAL);
            return text(request.localReply(ALLOC));
        } finally {
            request.release();
        }
    }

    private static Request decode(ClientCodec codec, String input) {
        ByteBuf in = buf(input);
        try {
            Request request = codec.decode(in);
            assertThat(request).isNotNull();
            assertThat(in.isReadable()).isFalse();
            return request;
        } finally {
            in.release();
        }
    }

    private String fanOutAnswer(String input, PoolView pool) {
        Request request = decode(codec, input);
        Split split = request.fanOut(pool, ALLOC);
        try {
            assertThat(split.fragmentCount()).isZero();
            return text(split.merge(ALLOC));
        } finally {
            split.release();
            request.release();
        }
    }

    private String merged(String input, PoolView pool, String... replies) {
        Request request = decode(codec, input);
        assertThat(request.action()).isEqualTo(Request.Action.FAN_OUT);
        Split split = request.fanOut(pool, ALLOC);
        try {
            assertThat(split.fragmentCount()).isEqualTo(replies.length);
            for (int f = 0; f < replies.length; f++) {
                assertThat(split.server(f)).isEqualTo(f);
                take(split);
                split.reply(f, buf(replies[f]));
            }
            return text(split.merge(ALLOC));
        } finally {
            split.release();
            request.release();
        }
    }

    private static String take(Split split) {
        return text(split.takeRequest(0));
    }

    private static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    private static ByteBuf buf(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    private static String bulk(String text) {
        return "$" + text.length() + "\r\n" + text + "\r\n";
    }

    /** A pool of {@code servers} servers named s0, s1... */
    private static PoolView pool(int servers, Set<String> allowed) {
        return new PoolView() {
            @Override
            public String name() {
                return "alpha";
            }

            @Override
            public int serverCount() {
                return servers;
            }

            @Override
            public String serverName(int server) {
                return "s" + server;
            }

            @Override
            public long fingerprint() {
                return 0x5eed_0000_0000_0000L + servers;
            }

            @Override
            public boolean allows(String command) {
                return allowed.contains(command);
            }

            @Override
            public Map<String, String> facts() {
                Map<String, String> facts = new LinkedHashMap<>();
                facts.put("pool", "alpha");
                return facts;
            }
        };
    }

}
