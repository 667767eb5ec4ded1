package dev.nutjar.memcache;

import static dev.nutjar.memcache.Feeder.ascii;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.memcache.Feeder.Cumulation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class MemcacheRequestParserTest {

    private final Feeder feeder = new Feeder();

    @AfterEach
    void everyBufferReleased() {
        feeder.assertAllReleased();
    }

    /** One line per request: what it is, its keys and data, and its frame, escaped. */
    static String describe(MemcacheRequest request) {
        StringBuilder s = new StringBuilder();
        if (request.isError()) {
            s.append('!').append(request.error()).append(' ');
        }
        s.append(request.command() == null ? "?" : request.command().wireName());
        ByteBuf frame = request.frame();
        byte[] copy = new byte[MemcacheRequest.KEY_MAX_LENGTH];
        for (int i = 0; i < request.keyCount(); i++) {
            int length = request.copyKey(i, copy, 0);
            assertThat(new String(copy, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .isEqualTo(Feeder.text(request.key(i)));
            s.append(' ').append(escape(Feeder.text(request.key(i))));
        }
        if (request.hasData()) {
            s.append(" data=").append(escape(Feeder.text(
                    frame.slice(frame.readerIndex() + request.dataOffset(), request.dataLength()))));
            assertThat(request.dataOffset() + request.dataLength() + 2).isEqualTo(frame.readableBytes());
        } else {
            assertThat(request.dataLength()).isEqualTo(-1);
        }
        if (request.noreply()) {
            s.append(" noreply");
        }
        if (request.closesConnection()) {
            s.append(" close");
        }
        return s.append(" <").append(escape(Feeder.text(frame))).append('>').toString();
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private static final String LONG_KEY = "k".repeat(250);
    private static final String TOO_LONG_KEY = "k".repeat(251);
    private static final String BIG_VALUE = "v".repeat(100_000);

    /** Valid requests and what they parse to; each is forwarded verbatim, so the frame is the input. */
    static Stream<Arguments> validRequests() {
        return Stream.of(
                valid("get a\r\n", "get a"),
                valid("get a b c\r\n", "get a b c"),
                valid("gets a  b\r\n", "gets a b"),
                valid("   get   a   \r\n", "get a"),
                valid("get a\n", "get a"),
                valid("get " + LONG_KEY + "\r\n", "get " + LONG_KEY),
                valid("get a noreply\r\n", "get a noreply"),
                valid("get a a a\r\n", "get a a a"),
                valid("get a\tb\r\n", "get a\\tb"),
                valid("get a\r\r\n", "get a\\r"),
                valid("get a\0b c\r\n", "get a"),
                valid("get a\u00e9\r\n", "get a\\xe9"),
                valid("set k 0 0 5\r\nhello\r\n", "set k data=hello"),
                valid("set k 0 0 0\r\n\r\n", "set k data="),
                valid("set k 0 0 2\r\n\r\n\r\n", "set k data=\\r\\n"),
                valid("set k 0 0 1\nx\r\n", "set k data=x"),
                valid("set k 1 -1 3 noreply\r\nabc\r\n", "set k data=abc noreply"),
                valid("set k 4294967295 2147483647 1\r\nx\r\n", "set k data=x"),
                valid("set k +1 +0 +1\r\nx\r\n", "set k data=x"),
                valid("set k 0 -2147483648 1\r\nx\r\n", "set k data=x"),
                valid("set k 0 0 1 foo\r\nx\r\n", "set k data=x"),
                valid("set k 0 0 1 \r\nx\r\n", "set k data=x"),
                valid("set " + LONG_KEY + " 0 0 1\r\nx\r\n", "set " + LONG_KEY + " data=x"),
                valid("set big 0 0 100000\r\n" + BIG_VALUE + "\r\n", "set big data=" + BIG_VALUE),
                valid("add k 0 0 1\r\nx\r\n", "add k data=x"),
                valid("replace k 0 0 1 noreply\r\nx\r\n", "replace k data=x noreply"),
                valid("append k 0 0 1\r\nx\r\n", "append k data=x"),
                valid("prepend k 0 0 1\r\nx\r\n", "prepend k data=x"),
                valid("cas k 0 0 1 12345\r\nx\r\n", "cas k data=x"),
                valid("cas k 0 0 1 18446744073709551615 noreply\r\nx\r\n", "cas k data=x noreply"),
                valid("cas k 0 0 1 000000000000000000000001\r\nx\r\n", "cas k data=x"),
                valid("delete k\r\n", "delete k"),
                valid("delete k noreply\r\n", "delete k noreply"),
                valid("delete k 0\r\n", "delete k"),
                valid("delete k 0 noreply\r\n", "delete k noreply"),
                valid("delete noreply\r\n", "delete noreply"),
                valid("incr k 1\r\n", "incr k"),
                valid("incr k +1\r\n", "incr k"),
                valid("decr k 18446744073709551615 noreply\r\n", "decr k noreply"),
                valid("incr k 1 foo\r\n", "incr k"),
                valid("touch k -1\r\n", "touch k"),
                valid("touch k 10 noreply\r\n", "touch k noreply"),
                valid("version\r\n", "version"),
                valid("version x y\r\n", "version"));
    }

    private static Arguments valid(String input, String expected) {
        return Arguments.of(input, expected + " <" + escape(input) + ">");
    }

    private Supplier<MemcacheRequestParser> parsers = MemcacheRequestParser::new;

    private Feeder.Result feed(List<byte[]> chunks, Cumulation cumulation) {
        MemcacheRequestParser parser = parsers.get();
        return feeder.feed(chunks, cumulation, parser::parse, MemcacheRequestParserTest::describe);
    }

    /** Whole, byte by byte, and split at every position, with every kind of cumulation. */
    private void assertParses(byte[] input, List<String> expected) {
        for (Cumulation cumulation : Cumulation.values()) {
            assertResult(feed(List.of(input), cumulation), expected, "whole, " + cumulation);
            if (input.length <= 4096) {
                assertResult(feed(Feeder.byteByByte(input), cumulation), expected, "byte by byte, " + cumulation);
                // Every position of short inputs; of longer ones, both ends and a sample in between
                // (the paranoid leak detector makes every buffer access slow).
                for (int cut = 0; cut <= input.length; cut++) {
                    if (input.length <= 300 || cut < 16 || cut > input.length - 16 || cut % 61 == 0) {
                        assertResult(feed(Feeder.cut(input, cut), cumulation), expected, "cut at " + cut + ", " + cumulation);
                    }
                }
            } else {
                Random random = new Random(input.length);
                for (int round = 0; round < 20; round++) {
                    assertResult(feed(randomChunks(input, random), cumulation), expected, "random chunks, " + cumulation);
                }
            }
        }
    }

    private static void assertResult(Feeder.Result result, List<String> expected, String how) {
        assertThat(result.messages()).as(how).containsExactlyElementsOf(expected);
        assertThat(result.leftOver()).as("left over, " + how).isEmpty();
    }

    static List<byte[]> randomChunks(byte[] input, Random random) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (true) {
            at += 1 + random.nextInt(Math.max(1, input.length / 10));
            if (at >= input.length) {
                break;
            }
            cuts.add(at);
        }
        return Feeder.cut(input, cuts.stream().mapToInt(Integer::intValue).toArray());
    }

    @ParameterizedTest
    @MethodSource("validRequests")
    void parsesValidRequestsHoweverTheyArrive(String input, String expected) {
        assertParses(ascii(input), List.of(expected));
    }

    @Test
    void keyPositionsAreRelativeToTheFrame() {
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii("xxget  ab cde\r\nset k 0 0 2\r\nhi\r\n")));
        in.skipBytes(2);
        MemcacheRequestParser parser = new MemcacheRequestParser();
        MemcacheRequest get = parser.parse(in);
        MemcacheRequest set = parser.parse(in);
        try {
            assertThat(get.keyCount()).isEqualTo(2);
            assertThat(get.keyOffset(0)).isEqualTo(5);
            assertThat(get.keyLength(0)).isEqualTo(2);
            assertThat(get.keyOffset(1)).isEqualTo(8);
            assertThat(get.keyLength(1)).isEqualTo(3);
            assertThatThrownBy(() -> get.keyOffset(2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(set.keyOffset(0)).isEqualTo(4);
            assertThat(set.dataOffset()).isEqualTo(13);
            assertThat(set.dataLength()).isEqualTo(2);
            assertThat(in.isReadable()).isFalse();
        } finally {
            get.release();
            set.release();
            in.release();
        }
        assertThat(get.refCnt()).isZero();
    }

    @Test
    void versionIsRoutedByThePlaceholderKeyAndQuitCloses() {
        List<String> messages = feed(List.of(ascii("version\r\nquit\r\nget a\r\n")), Cumulation.IN_PLACE_HEAP).messages();
        assertThat(messages).containsExactly("version <version\\r\\n>", "quit close <quit\\r\\n>");
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii("version\r\n")));
        MemcacheRequest version = new MemcacheRequestParser().parse(in);
        assertThat(version.routesByPlaceholder()).isTrue();
        assertThat(version.keyCount()).isZero();
        assertThat(MemcacheCommand.PLACEHOLDER_KEY).isEqualTo("placeholder");
        version.release();
        in.release();
    }

    /** Client mistakes, each answered as memcached 1.6.18 answers it (observed), the line consumed. */
    static Stream<Arguments> badRequests() {
        return Stream.of(
                bad("foo\r\n", "!UNKNOWN_COMMAND ? <foo\\r\\n>"),
                bad("GET a\r\n", "!UNKNOWN_COMMAND ? <GET a\\r\\n>"),
                bad("\r\n", "!UNKNOWN_COMMAND ? <\\r\\n>"),
                bad("\n", "!UNKNOWN_COMMAND ? <\\n>"),
                bad("   \r\n", "!UNKNOWN_COMMAND ? <   \\r\\n>"),
                bad("\0get a\r\n", "!UNKNOWN_COMMAND ? <\\x00get a\\r\\n>"),
                bad("stats\r\n", "!UNKNOWN_COMMAND ? <stats\\r\\n>"),
                bad("flush_all\r\n", "!UNKNOWN_COMMAND ? <flush_all\\r\\n>"),
                bad("gat 0 a\r\n", "!UNKNOWN_COMMAND ? <gat 0 a\\r\\n>"),
                bad("mg a v\r\n", "!UNKNOWN_COMMAND ? <mg a v\\r\\n>"),
                bad("get\r\n", "!UNKNOWN_COMMAND get <get\\r\\n>"),
                bad("gets \r\n", "!UNKNOWN_COMMAND gets <gets \\r\\n>"),
                bad("get " + TOO_LONG_KEY + "\r\n", "!BAD_COMMAND_LINE get <get " + TOO_LONG_KEY + "\\r\\n>"),
                bad("get a " + TOO_LONG_KEY + "\r\n", "!BAD_COMMAND_LINE get <get a " + TOO_LONG_KEY + "\\r\\n>"),
                bad("set a 0 0\r\n", "!UNKNOWN_COMMAND set <set a 0 0\\r\\n>"),
                bad("set a 0 0 1 noreply extra\r\nx\r\n",
                        "!UNKNOWN_COMMAND set <set a 0 0 1 noreply extra\\r\\n>", "!UNKNOWN_COMMAND ? <x\\r\\n>"),
                bad("set a x 0 1\r\nx\r\n", "!BAD_COMMAND_LINE set <set a x 0 1\\r\\n>", "!UNKNOWN_COMMAND ? <x\\r\\n>"),
                bad("set a x 0 1 noreply\r\n", "!BAD_COMMAND_LINE set noreply <set a x 0 1 noreply\\r\\n>"),
                bad("set a 0 0 noreply\r\n", "!BAD_COMMAND_LINE set noreply <set a 0 0 noreply\\r\\n>"),
                bad("set a -1 0 1\r\n", "!BAD_COMMAND_LINE set <set a -1 0 1\\r\\n>"),
                bad("set a 4294967296 0 1\r\n", "!BAD_COMMAND_LINE set <set a 4294967296 0 1\\r\\n>"),
                bad("set a 0 2147483648 1\r\n", "!BAD_COMMAND_LINE set <set a 0 2147483648 1\\r\\n>"),
                bad("set a 0 0 -1\r\n", "!BAD_COMMAND_LINE set <set a 0 0 -1\\r\\n>"),
                bad("set a 0 0 1x\r\n", "!BAD_COMMAND_LINE set <set a 0 0 1x\\r\\n>"),
                bad("set a 0 0 0x1\r\n", "!BAD_COMMAND_LINE set <set a 0 0 0x1\\r\\n>"),
                bad("set a 0 0 2147483646\r\n", "!BAD_COMMAND_LINE set <set a 0 0 2147483646\\r\\n>"),
                bad("set a 0 0 \t1\r\n", "!BAD_COMMAND_LINE set <set a 0 0 \\t1\\r\\n>"),
                bad("set " + TOO_LONG_KEY + " 0 0 1 noreply\r\n",
                        "!BAD_COMMAND_LINE set noreply <set " + TOO_LONG_KEY + " 0 0 1 noreply\\r\\n>"),
                bad("cas a 0 0 1\r\n", "!UNKNOWN_COMMAND cas <cas a 0 0 1\\r\\n>"),
                bad("cas a 0 0 1 x\r\n", "!BAD_COMMAND_LINE cas <cas a 0 0 1 x\\r\\n>"),
                bad("cas a 0 0 1 -1\r\n", "!BAD_COMMAND_LINE cas <cas a 0 0 1 -1\\r\\n>"),
                bad("cas a 0 0 1 18446744073709551616\r\n", "!BAD_COMMAND_LINE cas <cas a 0 0 1 18446744073709551616\\r\\n>"),
                bad("delete\r\n", "!UNKNOWN_COMMAND delete <delete\\r\\n>"),
                bad("delete a x\r\n", "!BAD_DELETE_COMMAND_LINE delete <delete a x\\r\\n>"),
                bad("delete a 1\r\n", "!BAD_DELETE_COMMAND_LINE delete <delete a 1\\r\\n>"),
                bad("delete a b c\r\n", "!BAD_DELETE_COMMAND_LINE delete <delete a b c\\r\\n>"),
                bad("delete a noreply x\r\n", "!BAD_DELETE_COMMAND_LINE delete <delete a noreply x\\r\\n>"),
                bad("delete a 0 x\r\n", "!BAD_DELETE_COMMAND_LINE delete <delete a 0 x\\r\\n>"),
                bad("delete a x noreply\r\n", "!BAD_DELETE_COMMAND_LINE delete noreply <delete a x noreply\\r\\n>"),
                bad("delete a 0 0 0\r\n", "!UNKNOWN_COMMAND delete <delete a 0 0 0\\r\\n>"),
                bad("delete " + TOO_LONG_KEY + "\r\n", "!BAD_COMMAND_LINE delete <delete " + TOO_LONG_KEY + "\\r\\n>"),
                bad("incr a\r\n", "!UNKNOWN_COMMAND incr <incr a\\r\\n>"),
                bad("incr a -1\r\n", "!INVALID_DELTA incr <incr a -1\\r\\n>"),
                bad("decr a x\r\n", "!INVALID_DELTA decr <decr a x\\r\\n>"),
                bad("incr a x noreply\r\n", "!INVALID_DELTA incr noreply <incr a x noreply\\r\\n>"),
                bad("incr a 18446744073709551616\r\n", "!INVALID_DELTA incr <incr a 18446744073709551616\\r\\n>"),
                bad("incr " + TOO_LONG_KEY + " x\r\n", "!BAD_COMMAND_LINE incr <incr " + TOO_LONG_KEY + " x\\r\\n>"),
                bad("touch a\r\n", "!UNKNOWN_COMMAND touch <touch a\\r\\n>"),
                bad("touch a x\r\n", "!INVALID_EXPTIME touch <touch a x\\r\\n>"),
                bad("touch a 1x noreply\r\n", "!INVALID_EXPTIME touch noreply <touch a 1x noreply\\r\\n>"),
                bad("touch a 99999999999\r\n", "!INVALID_EXPTIME touch <touch a 99999999999\\r\\n>"));
    }

    private static Arguments bad(String input, String... expected) {
        return Arguments.of(input, List.of(expected));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void answersClientMistakesAsMemcachedDoes(String input, List<String> expected) {
        assertParses(ascii(input), expected);
    }

    @Test
    void errorRepliesAreMemcachedsText() {
        assertThat(reply(MemcacheError.UNKNOWN_COMMAND)).isEqualTo("ERROR\r\n");
        assertThat(reply(MemcacheError.BAD_COMMAND_LINE)).isEqualTo("CLIENT_ERROR bad command line format\r\n");
        assertThat(reply(MemcacheError.BAD_DELETE_COMMAND_LINE))
                .isEqualTo("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
        assertThat(reply(MemcacheError.INVALID_DELTA)).isEqualTo("CLIENT_ERROR invalid numeric delta argument\r\n");
        assertThat(reply(MemcacheError.INVALID_EXPTIME)).isEqualTo("CLIENT_ERROR invalid exptime argument\r\n");
        assertThat(reply(MemcacheError.TOO_MANY_KEYS)).isEqualTo("CLIENT_ERROR too many keys\r\n");
        assertThat(reply(MemcacheError.OBJECT_TOO_LARGE)).isEqualTo("SERVER_ERROR object too large for cache\r\n");
        assertThat(reply(MemcacheError.BAD_DATA_CHUNK)).isEqualTo("CLIENT_ERROR bad data chunk\r\n");
        assertThat(reply(MemcacheError.LINE_TOO_LONG)).isEmpty();
        assertThat(reply(MemcacheError.BINARY_PROTOCOL)).isEmpty();
        for (MemcacheError error : MemcacheError.values()) {
            assertThat(error.replyLength()).isEqualTo(reply(error).length());
            assertThat(error.replyText()).isEqualTo(reply(error).replace("\r\n", ""));
            ByteBuf out = feeder.track(Unpooled.buffer());
            error.writeReply(out);
            assertThat(Feeder.text(out)).isEqualTo(reply(error));
            out.release();
        }
        assertThat(Arrays.stream(MemcacheError.values()).filter(MemcacheError::closesConnection))
                .containsExactly(MemcacheError.BAD_DATA_CHUNK, MemcacheError.LINE_TOO_LONG, MemcacheError.BINARY_PROTOCOL);
    }

    private String reply(MemcacheError error) {
        ByteBuf reply = feeder.track(error.reply());
        try {
            assertThat(reply.isReadOnly()).isTrue();
            return Feeder.text(reply);
        } finally {
            reply.release();
        }
    }

    @Test
    void aDataBlockOfTheWrongLengthClosesTheConnection() {
        assertParses(ascii("set a 0 0 1\r\nxx\r\nget a\r\n"),
                List.of("!BAD_DATA_CHUNK set close <set a 0 0 1\\r\\n>"));
        assertParses(ascii("set a 0 0 3 noreply\r\nab\r\n\r\nget a\r\n"),
                List.of("!BAD_DATA_CHUNK set noreply close <set a 0 0 3 noreply\\r\\n>"));
    }

    @Test
    void theBinaryProtocolClosesTheConnection() {
        assertParses(new byte[] {(byte) 0x80, 0, 0, 0, 'g', 'e', 't', '\r', '\n'},
                List.of("!BINARY_PROTOCOL ? close <>"));
        assertParses(ascii("get a\r\n\u0080get b\r\n"), List.of("get a <get a\\r\\n>", "!BINARY_PROTOCOL ? close <>"));
    }

    @Test
    void quitDiscardsEverythingAfterIt() {
        assertParses(ascii("get a\r\nquit\r\nget b\r\nset a 0 0 1\r\n"),
                List.of("get a <get a\\r\\n>", "quit close <quit\\r\\n>"));
        assertParses(ascii("quit now\r\n"), List.of("quit close <quit now\\r\\n>"));
    }

    @Test
    void aLineWithoutLineFeedClosesOnceTooLong() {
        String atLimit = "x".repeat(MemcacheRequestParser.DEFAULT_MAX_LINE_LENGTH);
        assertParses(ascii(atLimit + "\r\n"), List.of("!UNKNOWN_COMMAND ? <" + atLimit + "\\r\\n>"));
        assertParses(ascii(atLimit + "\n"), List.of("!UNKNOWN_COMMAND ? <" + atLimit + "\\n>"));
        assertParses(ascii(atLimit + "x\r\nget a\r\n"), List.of("!LINE_TOO_LONG ? close <>"));
        assertParses(ascii(atLimit + "xy"), List.of("!LINE_TOO_LONG ? close <>"));
        assertParses(ascii("set " + atLimit + " 0 0 1\r\nx\r\n"), List.of("!LINE_TOO_LONG ? close <>"));
    }

    @Test
    void aGetLineMayBeLongerThanOtherLines() {
        StringBuilder line = new StringBuilder("  gets");
        StringBuilder expected = new StringBuilder("gets");
        for (int i = 0; i < 2000; i++) {
            line.append(' ').append("key:").append(i);
            expected.append(' ').append("key:").append(i);
        }
        String input = line.append("\r\n").toString();
        assertThat(input.length()).isGreaterThan(4 * MemcacheRequestParser.DEFAULT_MAX_LINE_LENGTH);
        for (Cumulation cumulation : Cumulation.values()) {
            assertResult(feed(Feeder.byteByByte(ascii(input)), cumulation),
                    List.of(expected + " <" + escape(input) + ">"), cumulation.name());
        }
        parsers = () -> new MemcacheRequestParser(1024, 64, 4);
        assertParses(ascii("get a b c d e\r\nget " + "x".repeat(64 + 4 * 251 + 1) + "\r\n"),
                List.of("!TOO_MANY_KEYS get <get a b c d e\\r\\n>", "!LINE_TOO_LONG ? close <>"));
    }

    @Test
    void aTooLargeValueIsSkippedAsItArrivesNotBuffered() {
        parsers = () -> new MemcacheRequestParser(10, 64, 4);
        assertParses(ascii("set a 0 0 11\r\nhello world\r\nget a\r\nset b 0 0 10 noreply\r\n0123456789\r\n"),
                List.of("!OBJECT_TOO_LARGE set <set a 0 0 11\\r\\n>", "get a <get a\\r\\n>",
                        "set b data=0123456789 noreply <set b 0 0 10 noreply\\r\\n0123456789\\r\\n>"));
        // Like memcached, the skipped block's CRLF is not checked, and noreply silences the error.
        assertParses(ascii("add a 0 0 12 noreply\r\nhello world!??get a\r\n"),
                List.of("!OBJECT_TOO_LARGE add noreply <add a 0 0 12 noreply\\r\\n>", "get a <get a\\r\\n>"));

        MemcacheRequestParser parser = new MemcacheRequestParser(1024, 64, 4);
        ByteBuf in = feeder.track(Unpooled.buffer());
        in.writeBytes(ascii("set a 0 0 1000000000\r\n"));
        MemcacheRequest tooLarge = parser.parse(in);
        assertThat(tooLarge.error()).isEqualTo(MemcacheError.OBJECT_TOO_LARGE);
        tooLarge.release();
        byte[] chunk = new byte[64 * 1024];
        for (long sent = 0; sent < 1_000_000_002L - chunk.length; sent += chunk.length) {
            in.clear().writeBytes(chunk);
            assertThat(parser.parse(in)).isNull();
            assertThat(in.isReadable()).isFalse();
        }
        in.clear().writeBytes(new byte[(int) (1_000_000_002L % chunk.length)]).writeBytes(ascii("get b\r\n"));
        MemcacheRequest get = parser.parse(in);
        assertThat(describe(get)).isEqualTo("get b <get b\\r\\n>");
        get.release();
        in.release();
    }

    @Test
    void aLargeValueArrivingInSmallPiecesIsNeitherRescannedNorCopied() {
        int length = 4 * 1024 * 1024;
        byte[] head = ascii("set big 0 0 " + length + "\r\n");
        MemcacheRequestParser parser = new MemcacheRequestParser(length, 2048, 16);
        ByteBuf in = feeder.track(Unpooled.buffer(head.length + length + 2));
        in.writeBytes(head);
        assertThat(parser.parse(in)).isNull();
        // One byte at a time: quadratic work would not finish.
        for (int i = 0; i < length + 1; i++) {
            in.writeByte('v');
            assertThat(parser.parse(in)).isNull();
        }
        in.writerIndex(in.writerIndex() - 1).writeByte('\r').writeByte('\n');
        MemcacheRequest set = parser.parse(in);
        assertThat(set.dataLength()).isEqualTo(length);
        assertThat(set.frame().unwrap()).as("a slice of the input, not a copy").isSameAs(in);
        set.release();
        in.release();
    }

    @Test
    void aMalformedStorageLineLeavesItsDataToBeReadAsACommandAsMemcachedDoes() {
        assertParses(ascii("set a 0 0 -1\r\nget b\r\n"),
                List.of("!BAD_COMMAND_LINE set <set a 0 0 -1\\r\\n>", "get b <get b\\r\\n>"));
    }

    @ParameterizedTest
    @EnumSource(Cumulation.class)
    void parsesPipelinedRequests(Cumulation cumulation) {
        List<byte[]> inputs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        validRequests().forEach(a -> {
            inputs.add(ascii((String) a.get()[0]));
            expected.add((String) a.get()[1]);
        });
        badRequests().forEach(a -> {
            inputs.add(ascii((String) a.get()[0]));
            @SuppressWarnings("unchecked")
            List<String> messages = (List<String>) a.get()[1];
            expected.addAll(messages);
        });
        inputs.add(ascii("quit\r\nget a\r\n"));
        expected.add("quit close <quit\\r\\n>");
        byte[] all = Feeder.concat(inputs);
        assertResult(feed(List.of(all), cumulation), expected, "whole");
        Random random = new Random(42);
        for (int round = 0; round < 10; round++) {
            assertResult(feed(randomChunks(all, random), cumulation), expected, "random chunks");
        }
        List<byte[]> small = new ArrayList<>();
        for (int at = 0; at < all.length; at += 7) {
            small.add(Arrays.copyOfRange(all, at, Math.min(all.length, at + 7)));
        }
        assertResult(feed(small, cumulation), expected, "7 bytes at a time");
    }

    @Test
    void resetMakesTheParserReusable() {
        MemcacheRequestParser parser = new MemcacheRequestParser();
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii("quit\r\n")));
        parser.parse(in).release();
        in.release();
        in = feeder.track(Unpooled.copiedBuffer(ascii("get a\r\n")));
        assertThat(parser.parse(in)).isNull();
        in.release();
        parser.reset();
        in = feeder.track(Unpooled.copiedBuffer(ascii("set a 0 0 5\r\nhel")));
        assertThat(parser.parse(in)).isNull();
        in.release();
        parser.reset();
        in = feeder.track(Unpooled.copiedBuffer(ascii("get a\r\n")));
        MemcacheRequest get = parser.parse(in);
        assertThat(describe(get)).isEqualTo("get a <get a\\r\\n>");
        get.release();
        in.release();
    }

    @Test
    void rejectsSillyLimits() {
        assertThatThrownBy(() -> new MemcacheRequestParser(-1, 2048, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemcacheRequestParser(10, 63, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemcacheRequestParser(10, 2048, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
