package dev.nutjar.redis;

import static dev.nutjar.redis.Codec.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.redis.Codec.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedisReplyParserTest {

    static final List<String> REPLIES = List.of(
            "+OK\r\n",
            "+\r\n",
            "-ERR unknown key\r\n",
            ":0\r\n",
            ":-12345\r\n",
            ":9223372036854775807\r\n",
            "$3\r\nfoo\r\n",
            "$0\r\n\r\n",
            "$4\r\n\r\n\r\n\r\n",
            "$-1\r\n",
            "*-1\r\n",
            "*0\r\n",
            "*3\r\n$1\r\na\r\n$-1\r\n:7\r\n",
            "*2\r\n*2\r\n:1\r\n+two\r\n*1\r\n*0\r\n",
            "*3\r\n*-1\r\n-ERR inner\r\n*1\r\n$2\r\nxy\r\n");

    @Test
    void eachReplyAlone() {
        for (String reply : REPLIES) {
            Outcome<String> outcome = Codec.replies(reply);
            assertThat(outcome.error()).as(reply).isNull();
            assertThat(outcome.outputs()).as(reply).containsExactly(reply);
            assertThat(outcome.leftover()).isZero();
        }
    }

    @Test
    void pipelinedReplies() {
        String all = String.join("", REPLIES);
        Outcome<String> outcome = Codec.replies(all);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.outputs()).isEqualTo(REPLIES);
        assertThat(outcome.leftover()).isZero();
    }

    @Test
    void parseLengthFindsEachReplyInPlaceSplitAnywhere() {
        String all = String.join("", REPLIES);
        for (int split = 0; split <= all.length(); split++) {
            RedisReplyParser parser = new RedisReplyParser();
            ByteBuf in = Unpooled.buffer();
            List<String> found = new ArrayList<>();
            try {
                for (String part : new String[] {all.substring(0, split), all.substring(split)}) {
                    in.writeBytes(bytes(part));
                    int length;
                    while ((length = parser.parseLength(in)) >= 0) {
                        int before = in.readerIndex();
                        found.add(Codec.string(in.slice(before, length)));
                        assertThat(in.readerIndex()).as("reader index left alone").isEqualTo(before);
                        in.skipBytes(length);
                    }
                }
                assertThat(found).as("split at %d", split).isEqualTo(REPLIES);
                assertThat(in.isReadable()).isFalse();
            } finally {
                in.release();
            }
        }
    }

    @Test
    void parseLengthKnowsTheTypeAndTransientFailureAsParseDoes() {
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.wrappedBuffer(bytes(":1\r\n-LOADING not yet\r\n"));
        try {
            in.skipBytes(parser.parseLength(in));
            assertThat(parser.replyType()).isEqualTo((byte) ':');
            int length = parser.parseLength(in);
            assertThat(parser.isError()).isTrue();
            assertThat(parser.isTransientFailure()).isTrue();
            assertThat(RedisReplies.isTransientFailure(in, in.readerIndex(), in.readerIndex() + length)).isTrue();
        } finally {
            in.release();
        }
    }

    @Test
    void incompleteRepliesAreNotConsumed() {
        String reply = "*3\r\n$5\r\nhello\r\n*2\r\n:1\r\n$-1\r\n+OK\r\n";
        for (int length = 0; length < reply.length(); length++) {
            Outcome<String> outcome = Codec.replies(reply.substring(0, length));
            assertThat(outcome.outputs()).isEmpty();
            assertThat(outcome.leftover()).isEqualTo(length);
        }
    }

    @Test
    void deepNestingNeedsNoRecursion() {
        int depth = 100_000;
        String reply = "*1\r\n".repeat(depth) + ":1\r\n";
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.copiedBuffer(bytes(reply + "+OK\r\n"));
        try {
            ByteBuf first = parser.parse(in);
            assertThat(first.readableBytes()).isEqualTo(reply.length());
            assertThat(parser.replyType()).isEqualTo((byte) '*');
            first.release();
            ByteBuf second = parser.parse(in);
            assertThat(Codec.string(second)).isEqualTo("+OK\r\n");
            second.release();
            assertThat(parser.parse(in)).isNull();
        } finally {
            in.release();
        }
    }

    @Test
    void aBulkArrivingInPiecesIsNotScannedAgain() {
        String value = "v".repeat(64 * 1024);
        byte[] input = bytes("*2\r\n$" + value.length() + "\r\n" + value + "\r\n:1\r\n");
        RedisRequestParserTest.CountingBuf in = new RedisRequestParserTest.CountingBuf(input.length);
        RedisReplyParser parser = new RedisReplyParser();
        try {
            List<ByteBuf> replies = new ArrayList<>();
            for (int from = 0; from < input.length; from += 100) {
                in.writeBytes(input, from, Math.min(100, input.length - from));
                ByteBuf reply = parser.parse(in);
                if (reply != null) {
                    replies.add(reply);
                }
            }
            assertThat(replies).hasSize(1);
            replies.forEach(ByteBuf::release);
            assertThat(in.bytesRead).isLessThan(100);
        } finally {
            in.release();
        }
    }

    @Test
    void aLongLineArrivingInPiecesIsScannedOnce() {
        String reply = "-ERR " + "x".repeat(100_000) + "\r\n";
        byte[] input = bytes(reply);
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.buffer();
        List<ByteBuf> replies = new ArrayList<>();
        try {
            for (int from = 0; from < input.length; from += 7) {
                in.writeBytes(input, from, Math.min(7, input.length - from));
                ByteBuf out = parser.parse(in);
                if (out != null) {
                    replies.add(out);
                }
            }
            assertThat(replies).hasSize(1);
            assertThat(Codec.string(replies.get(0))).isEqualTo(reply);
            assertThat(parser.isError()).isTrue();
        } finally {
            replies.forEach(ByteBuf::release);
            in.release();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "+OK|+|false|false",
        ":1|:|false|false",
        "$1\\r\\nx|$|false|false",
        "*0|*|false|false",
        "-ERR boom|-|true|false",
        "-OOM command not allowed when used memory > 'maxmemory'.|-|true|true",
        "-BUSY Redis is busy running a script.|-|true|true",
        "-LOADING Redis is loading the dataset in memory|-|true|true",
        "-OOM|-|true|true",
        "-BUSYKEY Target key name already exists.|-|true|false",
        "-BUSYGROUP Consumer Group name already exists|-|true|false",
        "-oom lower case|-|true|false",
        "-OOMX|-|true|false",
        "-LOAD|-|true|false",
        "-ERR OOM|-|true|false",
    })
    void typeAndTransientFailures(String reply, char type, boolean error, boolean transientFailure) {
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.copiedBuffer(bytes(reply.replace("\\r\\n", "\r\n") + "\r\n"));
        try {
            ByteBuf out = parser.parse(in);
            assertThat(parser.replyType()).isEqualTo((byte) type);
            assertThat(parser.isError()).isEqualTo(error);
            assertThat(parser.isTransientFailure()).isEqualTo(transientFailure);
            assertThat(RedisReplies.isError(out)).isEqualTo(error);
            assertThat(RedisReplies.isTransientFailure(out)).isEqualTo(transientFailure);
            out.release();
        } finally {
            in.release();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "x\\r\\n                       |unknown reply type 'x'",
        "\\r\\n                        |unknown reply type '\r'",
        "*1\\r\\n%\\r\\n               |unknown reply type '%'",
        "$-2\\r\\n                     |invalid bulk length",
        "$-\\r\\n                      |invalid bulk length",
        "$-10\\r\\n                    |invalid bulk length",
        "$01\\r\\n                     |invalid bulk length",
        "$\\r\\n                       |invalid bulk length",
        "$1\\n                         |invalid bulk length",
        "$536870913\\r\\n              |invalid bulk length",
        "*-2\\r\\n                     |invalid multibulk length",
        "*2x\\r\\n                     |invalid multibulk length",
        "*99999999999\\r\\n            |invalid multibulk length",
        ":\\r\\n                       |invalid integer",
        ":-\\r\\n                      |invalid integer",
        ":12a\\r\\n                    |invalid integer",
        "+OK\\rX                       |line not terminated by CRLF",
        "-ERR\\r\\r\\n                 |line not terminated by CRLF",
        "$3\\r\\nfooXX                 |bulk not terminated by CRLF",
        "*2\\r\\n:1\\r\\n$1\\r\\nab\\r\\n |bulk not terminated by CRLF",
    })
    void malformedRepliesAreProtocolErrors(String escaped, String reason) {
        String input = escaped.strip().replace("\\r", "\r").replace("\\n", "\n");
        Outcome<String> outcome = Codec.replies(input);
        assertThat(outcome.error()).isEqualTo("Protocol error: " + reason);
        assertThat(outcome.outputs()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"$536870912\r\n", "*2147483647\r\n"})
    void theLargestLengthsAreAccepted(String header) {
        Outcome<String> outcome = Codec.replies(header);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isEqualTo(header.length());
    }

    @Test
    void theParserIsUsableAfterResetOrError() {
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf partial = Unpooled.copiedBuffer(bytes("*2\r\n:1\r\n"));
        ByteBuf bad = Unpooled.copiedBuffer(bytes("?\r\n"));
        ByteBuf good = Unpooled.copiedBuffer(bytes("+OK\r\n"));
        try {
            assertThat(parser.parse(partial)).isNull();
            parser.reset();
            assertThatThrownBy(() -> parser.parse(bad)).isInstanceOf(RedisProtocolException.class);
            ByteBuf ok = parser.parse(good);
            assertThat(Codec.string(ok)).isEqualTo("+OK\r\n");
            ok.release();
        } finally {
            partial.release();
            bad.release();
            good.release();
        }
    }

    @Test
    void aBulkHeaderSplitAnywhereIsNotStreamableUntilComplete() {
        String value = "v".repeat(10_000);
        String reply = "$" + value.length() + "\r\n" + value + "\r\n";
        int header = reply.indexOf('\n') + 1;
        for (int length = 0; length < header; length++) {
            RedisReplyParser parser = new RedisReplyParser();
            ByteBuf in = Unpooled.copiedBuffer(bytes(reply.substring(0, length)));
            try {
                assertThat(parser.streamablePart(in, 100)).as("%d bytes", length).isEqualTo(-1);
                assertThat(in.readerIndex()).isZero();
            } finally {
                in.release();
            }
        }
        for (int length = header; length < reply.length(); length++) {
            RedisReplyParser parser = new RedisReplyParser();
            ByteBuf in = Unpooled.copiedBuffer(bytes(reply.substring(0, length)));
            try {
                assertThat(parser.streamablePart(in, 100)).as("%d bytes", length).isEqualTo(reply.length() - 2);
                assertThat(in.readerIndex()).isZero();
            } finally {
                in.release();
            }
        }
    }

    @Test
    void aCompleteBulkOrAShortOneIsDecodedAsUsual() {
        String value = "v".repeat(10_000);
        String reply = "$" + value.length() + "\r\n" + value + "\r\n";
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf complete = Unpooled.copiedBuffer(bytes(reply + "+OK"));
        ByteBuf partial = Unpooled.copiedBuffer(bytes(reply.substring(0, 5000)));
        try {
            assertThat(parser.streamablePart(complete, 100)).isEqualTo(-1);
            ByteBuf whole = parser.parse(complete);
            assertThat(Codec.string(whole)).isEqualTo(reply);
            whole.release();
            int part = reply.length() - 2;
            assertThat(parser.streamablePart(partial, part + 1)).isEqualTo(-1);
            assertThat(parser.parse(partial)).isNull();
            assertThat(parser.streamablePart(partial, part)).isEqualTo(part);
        } finally {
            complete.release();
            partial.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"$-1\r\n", "*2\r\n$5000\r\nxx", "+OK", "-ERR xx", ":12", "$5000\rX", "$0x",
        "$536870913\r\n"})
    void onlyABulkStringIsStreamable(String input) {
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.copiedBuffer(bytes(input));
        try {
            assertThat(parser.streamablePart(in, 1)).isEqualTo(-1);
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void afterTheStreamedPartParseReturnsTheFinalCrlfAndGoesOn(boolean parsedBefore) {
        String value = "\r\n$1\r\n".repeat(2000);
        String reply = "$" + value.length() + "\r\n" + value + "\r\n";
        byte[] input = bytes(reply + ":7\r\n");
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.buffer();
        try {
            in.writeBytes(input, 0, 3000);
            if (parsedBefore) {
                assertThat(parser.parse(in)).isNull();
            }
            int part = parser.streamablePart(in, 1000);
            assertThat(part).isEqualTo(reply.length() - 2);
            // The caller takes the part as it arrives, the final CRLF split from the rest.
            in.skipBytes(3000);
            in.writeBytes(input, 3000, part - 3000 + 1);
            in.skipBytes(part - 3000);
            assertThat(parser.parse(in)).isNull();
            in.writeBytes(input, part + 1, input.length - part - 1);
            ByteBuf crlf = parser.parse(in);
            assertThat(Codec.string(crlf)).isEqualTo("\r\n");
            crlf.release();
            ByteBuf next = parser.parse(in);
            assertThat(Codec.string(next)).isEqualTo(":7\r\n");
            next.release();
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void aStreamedPartNotFollowedByCrlfIsAProtocolError() {
        RedisReplyParser parser = new RedisReplyParser();
        ByteBuf in = Unpooled.buffer().writeBytes(bytes("$100\r\n" + "x".repeat(50)));
        try {
            assertThat(parser.streamablePart(in, 10)).isEqualTo(106);
            in.skipBytes(in.readableBytes());
            in.writeBytes(bytes("x".repeat(50) + "XX"));
            in.skipBytes(50);
            assertThatThrownBy(() -> parser.parse(in)).isInstanceOf(RedisProtocolException.class)
                    .hasMessageContaining("bulk not terminated by CRLF");
        } finally {
            in.release();
        }
    }
}
