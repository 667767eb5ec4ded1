package dev.nutjar.redis;

import static dev.nutjar.redis.Codec.bytes;
import static dev.nutjar.redis.Codec.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.redis.Codec.Outcome;
import dev.nutjar.redis.Codec.Parsed;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisRequestParserTest {

    private static final String PING = command("PING");

    @Test
    void parsesOneRequest() {
        Outcome<Parsed> outcome = Codec.requests("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isZero();
        assertThat(outcome.outputs()).containsExactly(new Parsed("GET", List.of("GET", "key"), List.of("key"), null,
                "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"));
    }

    @Test
    void parsesPipelinedRequests() {
        String input = command("get", "a") + command("SET", "k", "v\r\nwith CRLF", "EX", "10")
                + command("MGET", "a", "", "c") + command("mSeT", "k1", "v1", "k2", "v2") + PING
                + command("EVAL", "return 1", "2", "k1", "k2", "arg") + command("COMMAND")
                + command("AUTH", "secret") + command("ZINTER", "2", "a", "b");
        Outcome<Parsed> outcome = Codec.requests(input);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isZero();
        assertThat(outcome.outputs()).extracting(Parsed::command).containsExactly(
                "GET", "SET", "MGET", "MSET", "PING", "EVAL", "COMMAND", "AUTH", "ZINTER");
        assertThat(outcome.outputs()).extracting(Parsed::keys).containsExactly(
                List.of("a"), List.of("k"), List.of("a", "", "c"), List.of("k1", "k2"), List.of(),
                List.of("k1", "k2"), List.of(), List.of(), List.of("2"));
        assertThat(outcome.outputs().get(1).args()).containsExactly("SET", "k", "v\r\nwith CRLF", "EX", "10");
        assertThat(outcome.outputs()).extracting(Parsed::error).containsOnlyNulls();
        assertThat(String.join("", outcome.outputs().stream().map(Parsed::frame).toList())).isEqualTo(input);
    }

    @Test
    void aRepeatedCommandIsFoundAgainInAnyCaseAndAnotherOrAnUnknownOneAfterIt() {
        String input = command("GET", "a") + command("get", "b") + command("GeT", "c") + command("GETSET", "d", "1")
                + command("GETX", "e") + command("GE", "f") + command("get", "g");
        Outcome<Parsed> outcome = Codec.requests(input);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.outputs()).extracting(Parsed::command).containsExactly(
                "GET", "GET", "GET", "GETSET", null, null, "GET");
        assertThat(outcome.outputs()).extracting(Parsed::keys).containsExactly(
                List.of("a"), List.of("b"), List.of("c"), List.of("d"), List.of(), List.of(), List.of("g"));
    }

    @Test
    void aReleasedRequestIsHandedOutAgainClearedAndFreesItsInput() {
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf in = Unpooled.directBuffer().writeBytes(bytes(command("SET", "k", "v") + command("PING") + "*1\r\n$4\r\nnope\r\n"));
        RedisRequest set = parser.parse(in);
        assertThat(in.refCnt()).as("held by the request").isEqualTo(2);
        assertThat(set.frameSource()).isSameAs(in);
        assertThat(set.frameIndex()).isZero();
        assertThat(set.frameLength()).isEqualTo(command("SET", "k", "v").length());
        assertThat(Codec.string(set.frame())).isEqualTo(command("SET", "k", "v"));
        assertThat(set.release()).isTrue();
        assertThat(in.refCnt()).isEqualTo(1);

        RedisRequest ping = parser.parse(in);
        assertThat(ping).as("the pooled object again").isSameAs(set);
        assertThat(ping.command()).isEqualTo(RedisCommand.lookup("PING"));
        assertThat(ping.argCount()).isEqualTo(1);
        assertThat(ping.keyCount()).isZero();
        assertThat(ping.hasError()).isFalse();
        assertThat(ping.frameIndex()).isEqualTo(command("SET", "k", "v").length());
        assertThat(Codec.string(ping.frame())).isEqualTo(command("PING"));
        ping.release();

        RedisRequest unknown = parser.parse(in);
        assertThat(unknown.error()).startsWith("ERR unknown command 'nope'");
        assertThat(unknown.frameIndex()).isEqualTo(command("SET", "k", "v").length() + command("PING").length());
        unknown.release();
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
    }

    @Test
    void incompleteInputIsNotConsumed() {
        String input = command("SET", "key", "value");
        for (int length = 0; length < input.length(); length++) {
            Outcome<Parsed> outcome = Codec.requests(input.substring(0, length));
            assertThat(outcome.outputs()).isEmpty();
            assertThat(outcome.error()).isNull();
            assertThat(outcome.leftover()).isEqualTo(length);
        }
    }

    @Test
    void largeValues() {
        String value = "v".repeat(100_000);
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf in = Unpooled.buffer();
        try {
            in.writeBytes(bytes(command("SET", "k", value) + PING));
            RedisRequest set = parser.parse(in);
            assertThat(set.argLength(2)).isEqualTo(100_000);
            assertThat(set.frame().readableBytes()).isEqualTo(command("SET", "k", value).length());
            set.release();
            RedisRequest ping = parser.parse(in);
            assertThat(ping.command()).isEqualTo(RedisCommand.PING);
            ping.release();
            assertThat(parser.parse(in)).isNull();
        } finally {
            in.release();
        }
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void aBulkArrivingInPiecesIsNotScannedAgain() {
        String value = "v".repeat(64 * 1024);
        byte[] input = bytes(command("SET", "k", value));
        CountingBuf in = new CountingBuf(input.length);
        RedisRequestParser parser = new RedisRequestParser();
        try {
            for (int from = 0; from < input.length; from += 100) {
                in.writeBytes(input, from, Math.min(100, input.length - from));
                RedisRequest request = parser.parse(in);
                if (request != null) {
                    assertThat(request.argLength(2)).isEqualTo(value.length());
                    request.release();
                }
            }
            assertThat(in.readableBytes()).isZero();
            // Headers only, a few times each when split, plus the CRLF after each bulk.
            assertThat(in.bytesRead).isLessThan(200);
        } finally {
            in.release();
        }
    }

    /** Counts the bytes the parser reads. */
    static final class CountingBuf extends UnpooledHeapByteBuf {
        int bytesRead;

        CountingBuf(int capacity) {
            super(UnpooledByteBufAllocator.DEFAULT, capacity, capacity);
        }

        @Override
        protected byte _getByte(int index) {
            bytesRead++;
            return super._getByte(index);
        }

        @Override
        protected short _getShort(int index) {
            bytesRead += 2;
            return super._getShort(index);
        }
    }

    @Test
    void emptyKeysAndBinaryArguments() {
        Outcome<Parsed> outcome = Codec.requests(command("GET", "") + command("SET", "\u0000\u00ff", "\r\n"));
        assertThat(outcome.outputs()).extracting(Parsed::keys).containsExactly(List.of(""), List.of("\u0000\u00ff"));
        assertThat(outcome.outputs().get(1).args().get(2)).isEqualTo("\r\n");
    }

    @Test
    void offsetsAreRelativeToTheFrame() {
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf in = Unpooled.buffer();
        try {
            in.writeBytes(bytes(PING + command("HGET", "key", "field")));
            parser.parse(in).release();
            RedisRequest request = parser.parse(in);
            assertThat(request.argCount()).isEqualTo(3);
            assertThat(request.argOffset(0)).isEqualTo(8);
            assertThat(request.argLength(0)).isEqualTo(4);
            assertThat(request.keyCount()).isEqualTo(1);
            assertThat(request.keyArg(0)).isEqualTo(1);
            assertThat(request.keyOffset(0)).isEqualTo(18);
            assertThat(request.keyLength(0)).isEqualTo(3);
            assertThat(request.argEquals(2, bytes("field"))).isTrue();
            assertThat(request.argEquals(2, bytes("fielD"))).isFalse();
            assertThatThrownBy(() -> request.argOffset(3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> request.keyOffset(1)).isInstanceOf(IndexOutOfBoundsException.class);
            request.release();
            assertThat(request.refCnt()).isZero();
        } finally {
            in.release();
        }
    }

    // Requests that are valid RESP but not acceptable: answered with an error, connection kept.

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "KEYS;*;x|\"ERR wrong number of arguments for 'keys' command\"",
        "foo|\"ERR unknown command 'foo', with args beginning with: \"",
        "SHUTDOWN|\"ERR unknown command 'SHUTDOWN', with args beginning with: \"",
        "SELECT|\"ERR wrong number of arguments for 'select' command\"",
        "GET;a;b|\"ERR wrong number of arguments for 'get' command\"",
        "GET|\"ERR wrong number of arguments for 'get' command\"",
        "ECHO|\"ERR wrong number of arguments for 'echo' command\"",
        "TIME;x|\"ERR wrong number of arguments for 'time' command\"",
        "EXPIRE;k;10;NX|\"ERR wrong number of arguments for 'expire' command\"",
        "auth;user;pass|\"ERR wrong number of arguments for 'auth' command\"",
        "MSET;a;1;b|\"ERR wrong number of arguments for 'mset' command\"",
        "MSETNX;a|\"ERR wrong number of arguments for 'msetnx' command\"",
        "MGET|\"ERR wrong number of arguments for 'mget' command\"",
        "EVAL;return 1|\"ERR wrong number of arguments for 'eval' command\"",
        "EVAL;s;x;k|\"ERR value is not an integer or out of range\"",
        "EVAL;s;01;k|\"ERR value is not an integer or out of range\"",
        "EVALSHA;s;-1;k|\"ERR Number of keys can't be negative\"",
        "EVAL;s;2;k|\"ERR Number of keys can't be greater than number of args\"",
        "EVAL;s;0|\"ERR nutjar cannot route 'eval' without keys: numkeys must be at least 1\"",
        "EVALSHA;s;0;a|\"ERR nutjar cannot route 'evalsha' without keys: numkeys must be at least 1\"",
        "MOVE;k;1|\"ERR 'move' is not supported by nutjar: a proxy serves one database\"",
    })
    void errorRepliesLeaveTheConnectionUsable(String args, String error) {
        String input = command(args.split(";")) + PING;
        Outcome<Parsed> outcome = Codec.requests(input);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.outputs()).hasSize(2);
        assertThat(outcome.outputs().get(0).error()).isEqualTo(error);
        assertThat(outcome.outputs().get(0).keys()).isEmpty();
        assertThat(outcome.outputs().get(1).command()).isEqualTo("PING");
        assertThat(outcome.leftover()).isZero();
    }

    @Test
    void unknownCommandTextIsCutLikeRedis() {
        String longArg = "a".repeat(200);
        assertThat(errorOf(command("FOO", longArg, "b")))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: '" + "a".repeat(128) + "' ");
        assertThat(errorOf(command("FOO", "x".repeat(100), "y".repeat(100), "z")))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: '" + "x".repeat(100) + "' '"
                        + "y".repeat(25) + "' ");
        assertThat(errorOf(command("N".repeat(300))))
                .isEqualTo("ERR unknown command '" + "N".repeat(128) + "', with args beginning with: ");
        // Redis prints with %s: a NUL ends an argument; CR and LF become spaces.
        assertThat(errorOf(command("FOO\r\nBAR", "a\u0000b", "c\nd")))
                .isEqualTo("ERR unknown command 'FOO  BAR', with args beginning with: 'a' 'c d' ");
    }

    @Test
    void keysLongerThanTheLimitAreRefused() {
        RedisRequestParser parser = new RedisRequestParser(RedisRequestParser.DEFAULT_MAX_ARGUMENTS, 3);
        String error = "ERR nutjar: key of 4 bytes exceeds the maximum key length of 3";
        assertThat(Codec.requests(bytes(command("GET", "abcd")), () -> parser).outputs().get(0).error())
                .isEqualTo(error);
        assertThat(Codec.requests(bytes(command("MGET", "a", "abcd")), () -> parser).outputs().get(0).error())
                .isEqualTo(error);
        assertThat(Codec.requests(bytes(command("EVAL", "s", "1", "abcd")), () -> parser).outputs().get(0).error())
                .isEqualTo(error);
        // Values, fields and the AUTH password are not keys.
        assertThat(Codec.requests(bytes(command("MSET", "abc", "long value") + command("HGET", "k", "long field")
                + command("AUTH", "long password")), () -> parser).outputs()).extracting(Parsed::error).containsOnlyNulls();
        String atDefaultLimit = "k".repeat(RedisRequestParser.DEFAULT_MAX_KEY_LENGTH);
        assertThat(errorOf(command("GET", atDefaultLimit))).isNull();
        assertThat(errorOf(command("GET", atDefaultLimit + "k")))
                .isEqualTo("ERR nutjar: key of 16336 bytes exceeds the maximum key length of 16335");
    }

    private static String errorOf(String input) {
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf in = Unpooled.copiedBuffer(bytes(input));
        try {
            RedisRequest request = parser.parse(in);
            assertThat(in.isReadable()).isFalse();
            String error = request.error();
            assertThat(request.hasError()).isEqualTo(error != null);
            request.release();
            return error;
        } finally {
            in.release();
        }
    }

    // Malformed RESP: a protocol error, after which the connection is closed.

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "GET 'a\\r\\n                    |unbalanced quotes in request",
        "SET 'a'b c\\r\\n               |unbalanced quotes in request",
        "*0\\r\\n                       |invalid multibulk length",
        "*-1\\r\\n                      |invalid multibulk length",
        "*\\r\\n                        |invalid multibulk length",
        "*x\\r\\n                       |invalid multibulk length",
        "*1x\\r\\n                      |invalid multibulk length",
        "*01\\r\\n                      |invalid multibulk length",
        "*+1\\r\\n                      |invalid multibulk length",
        "*1\\n                          |invalid multibulk length",
        "*1\\r\\r                       |invalid multibulk length",
        "*1 \\r\\n                      |invalid multibulk length",
        "*1048577\\r\\n                 |invalid multibulk length",
        "*99999999999999999999         |invalid multibulk length",
        "*1\\r\\n:1\\r\\n               |expected '$', got ':'",
        "*2\\r\\n$3\\r\\nGET\\r\\nx     |expected '$', got 'x'",
        "*1\\r\\n$-1\\r\\n              |invalid bulk length",
        "*1\\r\\n$\\r\\n                |invalid bulk length",
        "*1\\r\\n$x\\r\\n               |invalid bulk length",
        "*1\\r\\n$03\\r\\nGET\\r\\n     |invalid bulk length",
        "*1\\r\\n$3\\n                  |invalid bulk length",
        "*1\\r\\n$536870913\\r\\n       |invalid bulk length",
        "*1\\r\\n$99999999999           |invalid bulk length",
        "*1\\r\\n$3\\r\\nGETxx          |bulk not terminated by CRLF",
        "*1\\r\\n$3\\r\\nGET\\n\\r      |bulk not terminated by CRLF",
    })
    void malformedRequestsAreProtocolErrors(String escaped, String reason) {
        String input = escaped.strip().replace("\\r", "\r").replace("\\n", "\n");
        Outcome<Parsed> outcome = Codec.requests(input);
        assertThat(outcome.error()).isEqualTo("Protocol error: " + reason);
        assertThat(outcome.outputs()).isEmpty();
    }

    // Inline commands, as Redis takes them from telnet and redis-cli --pipe.

    @Test
    void inlineCommandsAreParsedAsTheirRespForm() {
        Outcome<Parsed> outcome = Codec.requests("PING\r\nGET key\nSET k \"a b\\x41\\n\" 'it\\'s'\r\n");
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isZero();
        assertThat(outcome.outputs()).extracting(Parsed::args).containsExactly(
                List.of("PING"), List.of("GET", "key"), List.of("SET", "k", "a bA\n", "it's"));
        assertThat(outcome.outputs().get(1).frame()).isEqualTo(command("GET", "key"));
        assertThat(outcome.outputs().get(1).keys()).containsExactly("key");
    }

    @Test
    void blankLinesAreSkippedAsRedisCliPipeSends() {
        Outcome<Parsed> outcome = Codec.requests("\r\n\n  \r\n" + command("ECHO", "x") + "\r\n");
        assertThat(outcome.error()).isNull();
        assertThat(outcome.outputs()).extracting(Parsed::args).containsExactly(List.of("ECHO", "x"));
        assertThat(outcome.leftover()).isZero();
    }

    @Test
    void anInlineLineLongerThanRedisAllowsIsAProtocolError() {
        String line = "GET " + "k".repeat(RedisRequestParser.MAX_INLINE_LENGTH);
        ByteBuf in = Unpooled.copiedBuffer(line, StandardCharsets.ISO_8859_1);
        try {
            assertThatThrownBy(() -> new RedisRequestParser().parse(in))
                    .hasMessage("Protocol error: too big inline request");
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
        ByteBuf waiting = Unpooled.copiedBuffer("GET k", StandardCharsets.ISO_8859_1);
        try {
            assertThat(new RedisRequestParser().parse(waiting)).isNull();
        } finally {
            waiting.release();
        }
    }

    @Test
    void requestsBeforeAProtocolErrorAreReturned() {
        Outcome<Parsed> outcome = Codec.requests(PING + command("GET", "a") + "PING \"x\r\n" + PING);
        assertThat(outcome.outputs()).extracting(Parsed::command).containsExactly("PING", "GET");
        assertThat(outcome.error()).isEqualTo("Protocol error: unbalanced quotes in request");
    }

    @Test
    void theLargestBulkIsAccepted() {
        Outcome<Parsed> outcome = Codec.requests("*2\r\n$3\r\nSET\r\n$536870912\r\n");
        assertThat(outcome.error()).isNull();
        assertThat(outcome.outputs()).isEmpty();
    }

    @Test
    void theArgumentLimitIsAConstructorParameter() {
        String four = command("MGET", "a", "b", "c");
        assertThat(Codec.requests(bytes(four), () -> new RedisRequestParser(4, 100)).outputs()).hasSize(1);
        assertThat(Codec.requests(bytes(four), () -> new RedisRequestParser(3, 100)).error())
                .isEqualTo("Protocol error: invalid multibulk length");
        assertThatThrownBy(() -> new RedisRequestParser(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisRequestParser(10, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHugeArrayHeaderAllocatesNothingUpFront() {
        // A million-argument header followed by nothing: the parser waits, holding no big array.
        Outcome<Parsed> outcome = Codec.requests("*1048576\r\n$4\r\nMGET\r\n");
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isEqualTo(20);
    }

    @Test
    void manyArguments() {
        String[] args = new String[1001];
        args[0] = "MGET";
        for (int i = 1; i < args.length; i++) {
            args[i] = "key" + i;
        }
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf in = Unpooled.copiedBuffer(bytes(command(args) + command("GET", "x")));
        try {
            for (int round = 0; round < 2; round++) {
                RedisRequest mget = parser.parse(in);
                assertThat(mget.keyCount()).isEqualTo(1000);
                assertThat(Codec.string(mget.frame(), mget.keyOffset(999), mget.keyLength(999))).isEqualTo("key1000");
                mget.release();
                RedisRequest get = parser.parse(in);
                assertThat(get.keyCount()).isEqualTo(1);
                assertThat(get.argCount()).isEqualTo(2);
                get.release();
                in.readerIndex(0);
            }
        } finally {
            in.release();
        }
    }

    @Test
    void resetForgetsAPartialRequest() {
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf partial = Unpooled.copiedBuffer(bytes("*2\r\n$3\r\nGET\r\n$10\r\nabc"));
        ByteBuf fresh = Unpooled.copiedBuffer(bytes(PING));
        try {
            assertThat(parser.parse(partial)).isNull();
            parser.reset();
            RedisRequest ping = parser.parse(fresh);
            assertThat(ping.command()).isEqualTo(RedisCommand.PING);
            ping.release();
        } finally {
            partial.release();
            fresh.release();
        }
    }

    @Test
    void theParserIsUsableAfterAProtocolError() {
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf bad = Unpooled.copiedBuffer(bytes("*2\r\n$3\r\nGET\r\n:1\r\n"));
        ByteBuf good = Unpooled.copiedBuffer(bytes(PING));
        try {
            assertThatThrownBy(() -> parser.parse(bad)).isInstanceOf(RedisProtocolException.class)
                    .hasMessage("Protocol error: expected '$', got ':'");
            assertThat(bad.readerIndex()).isZero();
            RedisRequest ping = parser.parse(good);
            assertThat(ping.command()).isEqualTo(RedisCommand.PING);
            ping.release();
        } finally {
            bad.release();
            good.release();
        }
    }

    @Test
    void theErrorReplyOfAProtocolError() {
        RedisProtocolException e = new RedisProtocolException("invalid bulk length");
        assertThat(e.errorReply()).isEqualTo("ERR Protocol error: invalid bulk length");
        ByteBuf reply = RedisReplies.error(ByteBufAllocator.DEFAULT, e.errorReply());
        assertThat(Codec.string(reply)).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        reply.release();
    }

    @Test
    void retainAndRelease() {
        RedisRequestParser parser = new RedisRequestParser();
        ByteBuf in = Unpooled.copiedBuffer(bytes(command("GET", "a")));
        try {
            RedisRequest request = parser.parse(in);
            assertThat(in.refCnt()).isEqualTo(2);
            assertThat(request.retain()).isSameAs(request);
            assertThat(request.touch("hint")).isSameAs(request);
            assertThat(request.release()).isFalse();
            assertThat(request.release()).isTrue();
            assertThat(in.refCnt()).isEqualTo(1);
            assertThat(request.toString()).isNotEmpty();
        } finally {
            in.release();
        }
    }
}
