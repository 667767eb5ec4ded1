package dev.nutjar.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.redis.Codec.Outcome;
import dev.nutjar.redis.Codec.Parsed;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever bytes arrive, in whatever chunks: the parsers raise nothing but
 * {@link RedisProtocolException}, consume nothing they do not return, and leak no buffer (the
 * harness asserts every buffer it made ends with a reference count of 0).
 */
class RedisParserPropertiesTest {

    private static final String[] TOKENS = {
        "*", "$", "+", "-", ":", "\r\n", "\r\n", "\r\n", "\r", "\n", "0", "1", "2", "3", "9", "-1", "12",
        "GET", "mget", "SET", "DEL", "MSET", "EVAL", "PING", "a", "key", " ", "\u0000", "\u00ff",
        // Well-formed pieces, so that random input gets past the first header now and then.
        "*1\r\n", "*2\r\n", "*3\r\n", "$1\r\n", "$2\r\n", "$3\r\nGET\r\n", "$4\r\nmget\r\n", "$-1\r\n",
    };

    @Property(tries = 500)
    void randomBytesIntoTheRequestParser(@ForAll("respLike") byte[] input, @ForAll Random random) {
        RedisRequestParser parser = random.nextBoolean()
                ? new RedisRequestParser()
                : new RedisRequestParser(1 + random.nextInt(6), random.nextInt(4));
        Outcome<Parsed> outcome = feedRequests(parser, input, random);
        checkRequests(outcome, input);
    }

    @Property(tries = 500)
    void mutatedRequestsIntoTheRequestParser(@ForAll("requests") List<List<byte[]>> requests, @ForAll Random random) {
        byte[] input = mutate(encode(requests), random);
        Outcome<Parsed> outcome = feedRequests(new RedisRequestParser(), input, random);
        checkRequests(outcome, input);
    }

    @Property(tries = 300)
    void validRequestsRoundTrip(@ForAll("requests") List<List<byte[]>> requests, @ForAll Random random) {
        byte[] input = encode(requests);
        Outcome<Parsed> outcome = feedRequests(new RedisRequestParser(), input, random);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isZero();
        assertThat(outcome.outputs()).hasSameSizeAs(requests);
        for (int i = 0; i < requests.size(); i++) {
            List<String> expected = requests.get(i).stream().map(RedisParserPropertiesTest::latin1).toList();
            Parsed parsed = outcome.outputs().get(i);
            assertThat(parsed.args()).isEqualTo(expected);
            assertThat(parsed.frame()).isEqualTo(latin1(encode(List.of(requests.get(i)))));
            assertThat(parsed.command() == null).isEqualTo(RedisCommand.lookup(expected.get(0)) == null);
        }
    }

    @Property(tries = 500)
    void randomBytesIntoTheReplyParser(@ForAll("respLike") byte[] input, @ForAll Random random) {
        Outcome<String> outcome = feedReplies(input, random);
        checkReplies(outcome, input);
    }

    @Property(tries = 500)
    void mutatedRepliesIntoTheReplyParser(@ForAll("replies") List<String> replies, @ForAll Random random) {
        byte[] input = mutate(String.join("", replies).getBytes(StandardCharsets.ISO_8859_1), random);
        Outcome<String> outcome = feedReplies(input, random);
        checkReplies(outcome, input);
    }

    @Property(tries = 300)
    void validRepliesRoundTrip(@ForAll("replies") List<String> replies, @ForAll Random random) {
        byte[] input = String.join("", replies).getBytes(StandardCharsets.ISO_8859_1);
        Outcome<String> outcome = feedReplies(input, random);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.leftover()).isZero();
        assertThat(outcome.outputs()).isEqualTo(replies);
    }

    // Feeding.

    private static Outcome<Parsed> feedRequests(RedisRequestParser parser, byte[] input, Random random) {
        return Codec.feed(allocator(random), input, chunks(input.length, random), random.nextBoolean(),
                parser::parse, Parsed::of, RedisRequest::release);
    }

    private static Outcome<String> feedReplies(byte[] input, Random random) {
        RedisReplyParser parser = new RedisReplyParser();
        return Codec.feed(allocator(random), input, chunks(input.length, random), random.nextBoolean(),
                parser::parse, Codec::string, ByteBuf::release);
    }

    private static ByteBufAllocator allocator(Random random) {
        return Codec.ALLOCATORS.get(random.nextInt(Codec.ALLOCATORS.size()));
    }

    /** Random chunk ends; the last is the input's length. */
    private static int[] chunks(int length, Random random) {
        if (length <= 1) {
            return length == 0 ? new int[0] : new int[] {1};
        }
        int count = 1 + random.nextInt(Math.min(length, 8));
        int[] ends = random.ints(count - 1, 1, length).sorted().distinct().toArray();
        ends = Arrays.copyOf(ends, ends.length + 1);
        ends[ends.length - 1] = length;
        return ends;
    }

    /** Blank as Redis's isspace() sees it: Java's isBlank also counts separators such as 0x1C. */
    private static boolean isBlankToRedis(String line) {
        return line.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f');
    }

    /**
     * What was returned is exactly the start of the input (an inline command's frame is its RESP
     * form: its line is skipped, as are blank lines), and what was not is left unconsumed.
     */
    private static void checkRequests(Outcome<Parsed> outcome, byte[] input) {
        String text = latin1(input);
        int pos = 0;
        for (Parsed parsed : outcome.outputs()) {
            while (!text.startsWith(parsed.frame(), pos)) {
                int newline = text.indexOf('\n', pos);
                assertThat(newline).as("an inline command or a blank line at %d of %s", pos, text).isNotNegative();
                assertThat(text.charAt(pos)).isNotEqualTo('*');
                String line = text.substring(pos, newline + 1);
                pos = newline + 1;
                if (!isBlankToRedis(line)) {
                    pos -= parsed.frame().length(); // the inline command this frame came from
                    break;
                }
            }
            pos += parsed.frame().length();
        }
        if (outcome.error() == null) {
            assertThat(pos + outcome.leftover()).isLessThanOrEqualTo(input.length);
            assertThat(text.substring(pos, input.length - outcome.leftover())).isBlank();
        }
        for (Parsed parsed : outcome.outputs()) {
            assertThat(parsed.frame()).startsWith("*" + parsed.args().size() + "\r\n");
            assertThat(parsed.error() == null || parsed.keys().isEmpty()).isTrue();
        }
    }

    private static void checkReplies(Outcome<String> outcome, byte[] input) {
        String consumed = String.join("", outcome.outputs());
        assertThat(latin1(input)).startsWith(consumed);
        if (outcome.error() == null) {
            assertThat(consumed.length() + outcome.leftover()).isEqualTo(input.length);
        }
    }

    // Generators.

    @Provide
    Arbitrary<byte[]> respLike() {
        Arbitrary<String> token = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of(TOKENS)),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars().range('\u0000', '\u00ff').map(String::valueOf)));
        return token.list().ofMaxSize(40).map(tokens -> String.join("", tokens).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Provide
    Arbitrary<List<List<byte[]>>> requests() {
        Arbitrary<byte[]> name = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of(RedisCommand.values()).map(c -> caseMix(c.name()))),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(6).map(String::getBytes)));
        Arbitrary<byte[]> arg = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of("a", "key", "1", "0", "2", "-1", "x").map(String::getBytes)),
                net.jqwik.api.Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(20)));
        Arbitrary<List<byte[]>> request = Combinators.combine(name, arg.list().ofMaxSize(6)).as((n, args) -> {
            List<byte[]> all = new ArrayList<>();
            all.add(n);
            all.addAll(args);
            return all;
        });
        return request.list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<String>> replies() {
        return reply(3).list().ofMinSize(1).ofMaxSize(4);
    }

    private static Arbitrary<String> reply(int depth) {
        Arbitrary<String> line = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(10);
        Arbitrary<String> simple = Arbitraries.oneOf(
                line.map(s -> "+" + s + "\r\n"),
                line.map(s -> "-" + s + "\r\n"),
                Arbitraries.longs().map(n -> ":" + n + "\r\n"),
                Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(12)
                        .map(s -> "$" + s.length() + "\r\n" + s + "\r\n"),
                Arbitraries.just("$-1\r\n"),
                Arbitraries.just("*-1\r\n"));
        if (depth == 0) {
            return simple;
        }
        Arbitrary<String> array = reply(depth - 1).list().ofMaxSize(4)
                .map(elements -> "*" + elements.size() + "\r\n" + String.join("", elements));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, simple), net.jqwik.api.Tuple.of(1, array));
    }

    // Helpers.

    private static byte[] caseMix(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < bytes.length; i += 2) {
            bytes[i] = (byte) Character.toLowerCase(bytes[i]);
        }
        return bytes;
    }

    private static byte[] encode(List<List<byte[]>> requests) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (List<byte[]> args : requests) {
            out.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] arg : args) {
                out.writeBytes(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(arg);
                out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        return out.toByteArray();
    }

    /** One to three random edits: replace, insert or delete a byte, or truncate. */
    private static byte[] mutate(byte[] input, Random random) {
        byte[] interesting = {'*', '$', '\r', '\n', '-', '0', '9', ':', '+', 'x', 0};
        List<Byte> bytes = new ArrayList<>();
        for (byte b : input) {
            bytes.add(b);
        }
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && !bytes.isEmpty(); e++) {
            int at = random.nextInt(bytes.size());
            byte value = random.nextBoolean()
                    ? interesting[random.nextInt(interesting.length)]
                    : (byte) random.nextInt(256);
            switch (random.nextInt(4)) {
                case 0 -> bytes.set(at, value);
                case 1 -> bytes.add(at, value);
                case 2 -> bytes.remove(at);
                default -> bytes.subList(at, bytes.size()).clear();
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
