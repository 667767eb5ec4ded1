package dev.nutjar.memcache;

import static dev.nutjar.memcache.Feeder.ascii;
import static dev.nutjar.memcache.MemcacheCommand.DECR;
import static dev.nutjar.memcache.MemcacheCommand.DELETE;
import static dev.nutjar.memcache.MemcacheCommand.GET;
import static dev.nutjar.memcache.MemcacheCommand.GETS;
import static dev.nutjar.memcache.MemcacheCommand.INCR;
import static dev.nutjar.memcache.MemcacheCommand.SET;
import static dev.nutjar.memcache.MemcacheCommand.TOUCH;
import static dev.nutjar.memcache.MemcacheCommand.VERSION;
import static dev.nutjar.memcache.MemcacheRequestParserTest.escape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.memcache.Feeder.Cumulation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class MemcacheReplyParserTest {

    private final Feeder feeder = new Feeder();

    @AfterEach
    void everyBufferReleased() {
        feeder.assertAllReleased();
    }

    private static final String BIG = "v".repeat(100_000);

    static Stream<Arguments> validReplies() {
        return Stream.of(
                Arguments.of(GET, "END\r\n"),
                Arguments.of(GET, "VALUE a 0 1\r\nx\r\nEND\r\n"),
                Arguments.of(GET, "VALUE a 0 1\r\nx\r\nVALUE bb 4294967295 3\r\nyyy\r\nEND\r\n"),
                Arguments.of(GET, "VALUE a 0 7\r\nEND\r\nxx\r\nEND\r\n"),
                Arguments.of(GET, "VALUE a 5 0\r\n\r\nEND\r\n"),
                Arguments.of(GET, "VALUE a\tb 0 1\r\n\n\r\nEND\r\n"),
                Arguments.of(GET, "VALUE big 0 100000\r\n" + BIG + "\r\nEND\r\n"),
                Arguments.of(GETS, "VALUE a 0 1 123\r\nx\r\nVALUE b 0 1 18446744073709551615\r\ny\r\nEND\r\n"),
                Arguments.of(GETS, "VALUE a 0 1\r\nx\r\nEND\r\n"),
                Arguments.of(GET, "SERVER_ERROR out of memory writing get response\r\n"),
                Arguments.of(GET, "CLIENT_ERROR bad command line format\r\n"),
                Arguments.of(GETS, "ERROR\r\n"),
                Arguments.of(SET, "STORED\r\n"),
                Arguments.of(MemcacheCommand.ADD, "NOT_STORED\r\n"),
                Arguments.of(MemcacheCommand.CAS, "EXISTS\r\n"),
                Arguments.of(MemcacheCommand.CAS, "NOT_FOUND\r\n"),
                Arguments.of(MemcacheCommand.APPEND, "SERVER_ERROR object too large for cache\r\n"),
                Arguments.of(MemcacheCommand.PREPEND, "SERVER_ERROR out of memory storing object\r\n"),
                Arguments.of(MemcacheCommand.REPLACE, "CLIENT_ERROR bad data chunk\r\n"),
                Arguments.of(DELETE, "DELETED\r\n"),
                Arguments.of(DELETE, "NOT_FOUND\r\n"),
                Arguments.of(INCR, "0\r\n"),
                Arguments.of(DECR, "18446744073709551615\r\n"),
                Arguments.of(INCR, "NOT_FOUND\r\n"),
                Arguments.of(INCR, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"),
                Arguments.of(TOUCH, "TOUCHED\r\n"),
                Arguments.of(TOUCH, "NOT_FOUND\r\n"),
                Arguments.of(VERSION, "VERSION 1.6.18\r\n"),
                Arguments.of(VERSION, "ERROR\r\n"),
                Arguments.of(SET, "SERVER_ERROR\r\n"));
    }

    @ParameterizedTest
    @MethodSource("validReplies")
    void parseLengthFindsTheReplyInPlaceWhereverTheInputIsCut(MemcacheCommand command, String reply) {
        byte[] bytes = ascii(reply + "STORED\r\n");
        int step = Math.max(1, bytes.length / 200);
        for (int split = 0; split <= bytes.length; split += step) {
            MemcacheReplyParser parser = new MemcacheReplyParser();
            ByteBuf in = feeder.track(Unpooled.buffer(bytes.length));
            in.writeBytes(bytes, 0, split);
            int length = parser.parseLength(in, command);
            in.writeBytes(bytes, split, bytes.length - split);
            if (length < 0) {
                length = parser.parseLength(in, command);
            }
            assertThat(in.readerIndex()).as("reader index left alone").isZero();
            assertThat(length).as("split at %d", split).isEqualTo(reply.length());
            in.skipBytes(length);
            assertThat(parser.parseLength(in, SET)).as("the next reply").isEqualTo("STORED\r\n".length());
            in.release();
        }
    }

    private Feeder.Result feed(MemcacheReplyParser parser, List<MemcacheCommand> commands, List<byte[]> chunks,
            Cumulation cumulation) {
        int[] next = {0};
        return feeder.feed(chunks, cumulation, in -> {
            if (next[0] == commands.size()) {
                return null; // no request waiting: whatever is left is a stray reply
            }
            ByteBuf reply = parser.parse(in, commands.get(next[0]));
            if (reply != null) {
                next[0]++;
            }
            return reply;
        }, reply -> escape(Feeder.text(reply)));
    }

    private void assertParses(List<MemcacheCommand> commands, byte[] input, List<String> expected) {
        for (Cumulation cumulation : Cumulation.values()) {
            List<List<byte[]>> ways = new ArrayList<>();
            ways.add(List.of(input));
            if (input.length <= 4096) {
                ways.add(Feeder.byteByByte(input));
                for (int cut = 0; cut <= input.length; cut++) {
                    if (input.length <= 300 || cut % 61 == 0) {
                        ways.add(Feeder.cut(input, cut));
                    }
                }
            } else {
                Random random = new Random(input.length);
                for (int round = 0; round < 20; round++) {
                    ways.add(MemcacheRequestParserTest.randomChunks(input, random));
                }
            }
            for (List<byte[]> chunks : ways) {
                Feeder.Result result = feed(new MemcacheReplyParser(), commands, chunks, cumulation);
                assertThat(result.messages()).as("%s in %d chunks", cumulation, chunks.size()).containsExactlyElementsOf(expected);
                assertThat(result.leftOver()).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("validReplies")
    void parsesEveryReplyFormHoweverItArrives(MemcacheCommand command, String reply) {
        assertParses(List.of(command), ascii(reply), List.of(escape(reply)));
    }

    @ParameterizedTest
    @EnumSource(Cumulation.class)
    void parsesPipelinedReplies(Cumulation cumulation) {
        List<MemcacheCommand> commands = new ArrayList<>();
        List<byte[]> inputs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        validReplies().forEach(a -> {
            commands.add((MemcacheCommand) a.get()[0]);
            inputs.add(ascii((String) a.get()[1]));
            expected.add(escape((String) a.get()[1]));
        });
        byte[] all = Feeder.concat(inputs);
        Random random = new Random(7);
        for (int round = 0; round < 10; round++) {
            Feeder.Result result = feed(new MemcacheReplyParser(), commands,
                    MemcacheRequestParserTest.randomChunks(all, random), cumulation);
            assertThat(result.messages()).containsExactlyElementsOf(expected);
            assertThat(result.leftOver()).isEmpty();
        }
    }

    static Stream<Arguments> badReplies() {
        return Stream.of(
                Arguments.of(GET, "STORED\r\n", "unexpected line: 'STORED'"),
                Arguments.of(GET, "VALUE a 0 1\r\nxx\r\nEND\r\n", "value data not followed by CRLF: 'x\\x0d'"),
                Arguments.of(GET, "VALUE a 0\r\nx\r\nEND\r\n", "unexpected line: 'VALUE a 0'"),
                Arguments.of(GET, "VALUE a x 1\r\nx\r\nEND\r\n", "unexpected line: 'VALUE a x 1'"),
                Arguments.of(GET, "VALUE a 0 1 2 3\r\nx\r\nEND\r\n", "unexpected line: 'VALUE a 0 1 2 3'"),
                Arguments.of(GET, "VALUE a 0 -1\r\nEND\r\n", "unexpected line: 'VALUE a 0 -1'"),
                Arguments.of(GET, "VALUE a 0 1\r\nx\r\nSERVER_ERROR oops\r\n", "unexpected line: 'SERVER_ERROR oops'"),
                Arguments.of(GET, "END\n", "line not ended by CRLF: 'END'"),
                Arguments.of(GET, "END \r\n", "unexpected line: 'END '"),
                Arguments.of(GET, "end\r\n", "unexpected line: 'end'"),
                Arguments.of(GET, "\r\n", "unexpected line: ''"),
                Arguments.of(GET, "\n", "line not ended by CRLF: ''"),
                Arguments.of(GETS, "VALUE \r\n", "unexpected line: 'VALUE '"),
                Arguments.of(SET, "DELETED\r\n", "unexpected line: 'DELETED'"),
                Arguments.of(SET, "STORED \r\n", "unexpected line: 'STORED '"),
                Arguments.of(SET, "ERRORS\r\n", "unexpected line: 'ERRORS'"),
                Arguments.of(SET, "SERVER_ERRORS\r\n", "unexpected line: 'SERVER_ERRORS'"),
                Arguments.of(SET, "VALUE a 0 1\r\nx\r\nEND\r\n", "unexpected line: 'VALUE a 0 1'"),
                Arguments.of(DELETE, "STORED\r\n", "unexpected line: 'STORED'"),
                Arguments.of(INCR, "-1\r\n", "unexpected line: '-1'"),
                Arguments.of(DECR, "1a\r\n", "unexpected line: '1a'"),
                Arguments.of(INCR, "123456789012345678901\r\n", "unexpected line: '123456789012345678901'"),
                Arguments.of(TOUCH, "DELETED\r\n", "unexpected line: 'DELETED'"),
                Arguments.of(VERSION, "VERSION\r\n", "unexpected line: 'VERSION'"),
                Arguments.of(VERSION, "\u0000\u0081\r\n", "unexpected line: '\\x00\\x81'"));
    }

    @ParameterizedTest
    @MethodSource("badReplies")
    void rejectsAnythingButAReplyToTheCommand(MemcacheCommand command, String reply, String what) {
        byte[] input = ascii(reply);
        for (Cumulation cumulation : Cumulation.values()) {
            List<List<byte[]>> ways = new ArrayList<>(List.of(List.of(input), Feeder.byteByByte(input)));
            for (int cut = 0; cut <= input.length; cut++) {
                ways.add(Feeder.cut(input, cut));
            }
            for (List<byte[]> chunks : ways) {
                assertThatThrownBy(() -> feed(new MemcacheReplyParser(), List.of(command), chunks, cumulation))
                        .isInstanceOfSatisfying(MemcacheProtocolException.class, e -> {
                            assertThat(e.getMessage()).isEqualTo("bad reply to " + command.wireName() + ": " + what);
                            assertThat(e.clientReply()).isEqualTo("SERVER_ERROR Invalid argument");
                            assertThat(e.closesConnection()).isTrue();
                            assertThat(e.getStackTrace()).isEmpty();
                        });
            }
        }
    }

    @Test
    void boundsLinesAndReplies() {
        String longLine = "SERVER_ERROR " + "x".repeat(MemcacheReplyParser.MAX_LINE_LENGTH);
        assertThatThrownBy(() -> feed(new MemcacheReplyParser(), List.of(SET), List.of(ascii(longLine)),
                Cumulation.IN_PLACE_HEAP))
                .isInstanceOf(MemcacheProtocolException.class)
                .hasMessageStartingWith("bad reply to set: no line feed within 8192 bytes: 'SERVER_ERROR xxx");
        assertThatThrownBy(() -> feed(new MemcacheReplyParser(), List.of(SET), List.of(ascii(longLine + "\r\n")),
                Cumulation.IN_PLACE_HEAP))
                .isInstanceOf(MemcacheProtocolException.class)
                .hasMessageStartingWith("bad reply to set: line longer than 8192 bytes");
        String atLimit = "SERVER_ERROR " + "x".repeat(MemcacheReplyParser.MAX_LINE_LENGTH - 13) + "\r\n";
        assertThat(feed(new MemcacheReplyParser(), List.of(SET), List.of(ascii(atLimit)), Cumulation.IN_PLACE_HEAP)
                .messages()).hasSize(1);

        String reply = "VALUE a 0 40\r\n" + "x".repeat(40) + "\r\nVALUE b 0 10\r\n0123456789\r\nEND\r\n";
        assertThat(feed(new MemcacheReplyParser(reply.length()), List.of(GET), List.of(ascii(reply)),
                Cumulation.IN_PLACE_HEAP).messages()).hasSize(1);
        assertThatThrownBy(() -> feed(new MemcacheReplyParser(reply.length() - 1), List.of(GET), List.of(ascii(reply)),
                Cumulation.IN_PLACE_HEAP))
                .isInstanceOf(MemcacheProtocolException.class)
                .hasMessage("bad reply to get: reply longer than " + (reply.length() - 1) + " bytes: 'END'");
        assertThatThrownBy(() -> feed(new MemcacheReplyParser(64), List.of(GET),
                List.of(ascii("VALUE a 0 2147483647\r\n")), Cumulation.IN_PLACE_HEAP))
                .isInstanceOf(MemcacheProtocolException.class)
                .hasMessage("bad reply to get: reply longer than 64 bytes: 'VALUE a 0 2147483647'");
    }

    @Test
    void aLargeValueArrivingInSmallPiecesIsNeitherRescannedNorCopied() {
        int length = 4 * 1024 * 1024;
        byte[] head = ascii("VALUE big 0 " + length + "\r\n");
        MemcacheReplyParser parser = new MemcacheReplyParser();
        ByteBuf in = feeder.track(Unpooled.buffer(head.length + length + 7));
        in.writeBytes(head);
        assertThat(parser.parse(in, GET)).isNull();
        for (int i = 0; i < length; i++) {
            in.writeByte('v');
            assertThat(parser.parse(in, GET)).isNull();
        }
        in.writeBytes(ascii("\r\nEND\r"));
        assertThat(parser.parse(in, GET)).isNull();
        in.writeByte('\n');
        ByteBuf reply = parser.parse(in, GET);
        assertThat(reply.readableBytes()).isEqualTo(in.capacity());
        assertThat(reply.unwrap()).as("a slice of the input, not a copy").isSameAs(in);
        assertThat(in.isReadable()).isFalse();
        reply.release();
        in.release();
    }

    @Test
    void refusesToChangeCommandInTheMiddleOfAReply() {
        MemcacheReplyParser parser = new MemcacheReplyParser();
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii("VALUE a 0 1\r\n")));
        assertThat(parser.parse(in, GET)).isNull();
        assertThatThrownBy(() -> parser.parse(in, SET)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> parser.parse(in, MemcacheCommand.QUIT)).isInstanceOf(IllegalArgumentException.class);
        parser.reset();
        in.clear().writeBytes(ascii("STORED\r\n"));
        ByteBuf stored = parser.parse(in, SET);
        assertThat(Feeder.text(stored)).isEqualTo("STORED\r\n");
        stored.release();
        in.release();
    }

    @Test
    void backendFailureRepliesAreTwemproxysText() {
        assertThat(serverError(MemcacheReplies.CONNECTION_REFUSED)).isEqualTo("SERVER_ERROR Connection refused\r\n");
        assertThat(serverError(MemcacheReplies.CONNECTION_TIMED_OUT)).isEqualTo("SERVER_ERROR Connection timed out\r\n");
        assertThat(serverError(MemcacheReplies.HOST_DOWN)).isEqualTo("SERVER_ERROR Host is down\r\n");
        assertThat(serverError(MemcacheReplies.UNKNOWN)).isEqualTo("SERVER_ERROR unknown\r\n");
        assertThat(serverError(MemcacheReplies.CONNECTION_RESET)).isEqualTo("SERVER_ERROR Connection reset by peer\r\n");
        assertThat(serverError(MemcacheReplies.INVALID_ARGUMENT)).isEqualTo("SERVER_ERROR Invalid argument\r\n");
        assertThat(serverError("No route to host")).isEqualTo("SERVER_ERROR No route to host\r\n");
        assertThat(MemcacheReplies.serverErrorLength("unknown")).isEqualTo("SERVER_ERROR unknown\r\n".length());
        ByteBuf out = feeder.track(Unpooled.buffer());
        MemcacheReplies.writeServerError(out.writeBytes(ascii("STORED\r\n")), MemcacheReplies.UNKNOWN);
        assertThat(Feeder.text(out)).isEqualTo("STORED\r\nSERVER_ERROR unknown\r\n");
        out.release();
        assertThatThrownBy(() -> MemcacheReplies.serverError("two\r\nlines")).isInstanceOf(IllegalArgumentException.class);
    }

    private String serverError(String reason) {
        ByteBuf reply = feeder.track(MemcacheReplies.serverError(reason));
        try {
            return Feeder.text(reply);
        } finally {
            reply.release();
        }
    }

    @Test
    void aValueLineSplitAnywhereIsNotStreamableUntilComplete() {
        String data = "d".repeat(10_000);
        String reply = "VALUE key 5 " + data.length() + " 99\r\n" + data + "\r\nEND\r\n";
        int line = reply.indexOf('\n') + 1;
        int part = reply.length() - 7;
        for (int length = 0; length < reply.length(); length++) {
            MemcacheReplyParser parser = new MemcacheReplyParser();
            ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii(reply.substring(0, length))));
            assertThat(parser.streamablePart(in, GETS, 100)).as("%d bytes", length)
                    .isEqualTo(length < line ? -1 : part);
            assertThat(in.readerIndex()).isZero();
            in.release();
        }
    }

    @Test
    void aCompleteReplyAShortValueAndOtherRepliesAreDecodedAsUsual() {
        String data = "d".repeat(10_000);
        String reply = "VALUE key 0 " + data.length() + "\r\n" + data + "\r\nEND\r\n";
        MemcacheReplyParser parser = new MemcacheReplyParser();
        ByteBuf complete = feeder.track(Unpooled.copiedBuffer(ascii(reply)));
        assertThat(parser.streamablePart(complete, GET, 100)).isEqualTo(-1);
        ByteBuf whole = parser.parse(complete, GET);
        assertThat(Feeder.text(whole)).isEqualTo(reply);
        whole.release();
        complete.release();

        ByteBuf partial = feeder.track(Unpooled.copiedBuffer(ascii(reply.substring(0, 5000))));
        assertThat(parser.streamablePart(partial, GET, reply.length() - 6)).isEqualTo(-1);
        assertThat(parser.streamablePart(partial, SET, 1)).isEqualTo(-1);
        assertThat(parser.streamablePart(partial, GET, reply.length() - 7)).isEqualTo(reply.length() - 7);
        partial.release();

        for (String other : List.of("END\r\n", "SERVER_ERROR out of memory\r\n", "VALUE k x 10\r\nxx", "VALUE k 0 10\nxx",
                "ERROR\r\n", "VALUE k 0 100")) {
            ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii(other)));
            assertThat(parser.streamablePart(in, GET, 1)).as(other).isEqualTo(-1);
            in.release();
        }
    }

    static Stream<Arguments> streamedThenRest() {
        return Stream.of(
                Arguments.of(false, "\r\nEND\r\n"),
                Arguments.of(true, "\r\nEND\r\n"),
                Arguments.of(true, "\r\nVALUE b 0 3\r\nxyz\r\nEND\r\n"));
    }

    @ParameterizedTest
    @MethodSource("streamedThenRest")
    void afterTheStreamedPartParseReturnsTheRestOfTheReplyAndGoesOn(boolean parsedBefore, String rest) {
        String data = "\r\nEND\r\n".repeat(2000);
        String head = "VALUE a 1 " + data.length() + "\r\n";
        byte[] input = ascii(head + data + rest + "STORED\r\n");
        int part = head.length() + data.length();
        MemcacheReplyParser parser = new MemcacheReplyParser();
        ByteBuf in = feeder.track(Unpooled.buffer());
        in.writeBytes(input, 0, 3000);
        if (parsedBefore) {
            assertThat(parser.parse(in, GET)).isNull();
        }
        assertThat(parser.streamablePart(in, GET, 1000)).isEqualTo(part);
        // The caller takes the part as it arrives; the rest comes a byte at a time.
        in.skipBytes(3000);
        in.writeBytes(input, 3000, part - 3000);
        in.skipBytes(part - 3000);
        ByteBuf out = null;
        for (int at = part; out == null; at++) {
            in.writeByte(input[at]);
            out = parser.parse(in, GET);
        }
        assertThat(Feeder.text(out)).isEqualTo(rest);
        out.release();
        in.writeBytes(input, part + rest.length(), input.length - part - rest.length());
        ByteBuf stored = parser.parse(in, SET);
        assertThat(Feeder.text(stored)).isEqualTo("STORED\r\n");
        stored.release();
        assertThat(in.isReadable()).isFalse();
        in.release();
    }

    @Test
    void aStreamedValueNotFollowedByCrlfIsAProtocolError() {
        MemcacheReplyParser parser = new MemcacheReplyParser();
        ByteBuf in = feeder.track(Unpooled.buffer().writeBytes(ascii("VALUE a 0 100\r\n" + "x".repeat(50))));
        assertThat(parser.streamablePart(in, GET, 10)).isEqualTo(115);
        in.skipBytes(in.readableBytes());
        in.writeBytes(ascii("x".repeat(50) + "XXEND\r\n"));
        in.skipBytes(50);
        assertThatThrownBy(() -> parser.parse(in, GET)).isInstanceOf(MemcacheProtocolException.class)
                .hasMessageContaining("value data not followed by CRLF");
        in.release();
    }
}
