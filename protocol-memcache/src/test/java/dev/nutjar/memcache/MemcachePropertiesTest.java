package dev.nutjar.memcache;

import static dev.nutjar.memcache.Feeder.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.memcache.Feeder.Cumulation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the parsers over generated input: valid requests parse to what was written,
 * however the bytes arrive; garbage and mutated requests never raise anything (requests) or
 * anything but {@link MemcacheProtocolException} (replies), give the same result however they
 * arrive, and leak nothing.
 */
class MemcachePropertiesTest {

    /** A request as generated, and the description {@link MemcacheRequestParserTest#describe} must give. */
    record Generated(String wire, String description) {}

    @Provide
    Arbitrary<String> keys() {
        Arbitrary<String> usual = Arbitraries.strings().withChars("abkxyz:_-.\t\r\u00e9\u00ff").ofMinLength(1).ofMaxLength(12)
                .filter(k -> !k.endsWith("\r") || k.length() > 1);
        Arbitrary<String> longest = Arbitraries.just("K".repeat(MemcacheRequest.KEY_MAX_LENGTH));
        return Arbitraries.frequencyOf(Tuple.of(30, usual), Tuple.of(1, longest));
    }

    @Provide
    Arbitrary<Generated> requests() {
        Arbitrary<String> sep = Arbitraries.of(" ", " ", " ", "  ");
        Arbitrary<String> data = Arbitraries.strings().withChars("ab \r\n\u0000\u0080").ofMaxLength(40);
        Arbitrary<Boolean> noreply = Arbitraries.of(true, false);
        Arbitrary<Generated> get = Combinators.combine(Arbitraries.of("get", "gets"), keys().list().ofMinSize(1).ofMaxSize(6), sep)
                .as((cmd, keys, s) -> {
                    String wire = cmd + s + String.join(s, keys) + "\r\n";
                    return new Generated(wire, cmd + " " + escapeAll(keys) + " <" + MemcacheRequestParserTest.escape(wire) + ">");
                });
        Arbitrary<Generated> storage = Combinators.combine(
                Arbitraries.of("set", "add", "replace", "append", "prepend", "cas"), keys(),
                Arbitraries.longs().between(0, 0xFFFF_FFFFL), Arbitraries.integers(), data, noreply, sep)
                .as((cmd, key, flags, exptime, value, quiet, s) -> {
                    String cas = cmd.equals("cas") ? s + Long.toUnsignedString(flags * 31) : "";
                    String wire = cmd + s + key + s + flags + s + exptime + s + value.length() + cas
                            + (quiet ? s + "noreply" : "") + "\r\n" + value + "\r\n";
                    return new Generated(wire, cmd + " " + MemcacheRequestParserTest.escape(key) + " data="
                            + MemcacheRequestParserTest.escape(value) + (quiet ? " noreply" : "")
                            + " <" + MemcacheRequestParserTest.escape(wire) + ">");
                });
        Arbitrary<Generated> oneKey = Combinators.combine(
                Arbitraries.of("delete", "delete0", "incr", "decr", "touch"), keys(), Arbitraries.longs(), noreply, sep)
                .as((cmd, key, number, quiet, s) -> {
                    String argument = switch (cmd) {
                        case "delete" -> "";
                        case "delete0" -> s + "0";
                        case "touch" -> s + (int) (long) number;
                        default -> s + Long.toUnsignedString(number);
                    };
                    String name = cmd.equals("delete0") ? "delete" : cmd;
                    String wire = name + s + key + argument + (quiet ? s + "noreply" : "") + "\r\n";
                    return new Generated(wire, name + " " + MemcacheRequestParserTest.escape(key) + (quiet ? " noreply" : "")
                            + " <" + MemcacheRequestParserTest.escape(wire) + ">");
                });
        Arbitrary<Generated> version = Arbitraries.just(new Generated("version\r\n", "version <version\\r\\n>"));
        return Arbitraries.frequencyOf(Tuple.of(3, get), Tuple.of(3, storage), Tuple.of(3, oneKey), Tuple.of(1, version));
    }

    private static String escapeAll(List<String> keys) {
        List<String> escaped = new ArrayList<>();
        for (String key : keys) {
            escaped.add(MemcacheRequestParserTest.escape(key));
        }
        return String.join(" ", escaped);
    }

    /** Random chunks, from 1 byte to the whole input. */
    private static List<byte[]> chunks(byte[] input, long seed) {
        Random random = new Random(seed);
        int maxChunk = 1 + random.nextInt(Math.max(1, input.length));
        List<Integer> cuts = new ArrayList<>();
        for (int at = random.nextInt(maxChunk + 1); at < input.length; at += 1 + random.nextInt(maxChunk)) {
            cuts.add(at);
        }
        return Feeder.cut(input, cuts.stream().mapToInt(Integer::intValue).toArray());
    }

    private static Feeder.Result parseRequests(Feeder feeder, List<byte[]> chunks, Cumulation cumulation) {
        MemcacheRequestParser parser = new MemcacheRequestParser(64, 64, 8);
        return feeder.feed(chunks, cumulation, parser::parse, MemcacheRequestParserTest::describe);
    }

    @Property(tries = 300)
    void validRequestsParseToWhatWasWritten(@ForAll @Size(min = 1, max = 8) List<@From("requests") Generated> requests,
            @ForAll long seed, @ForAll Cumulation cumulation) {
        Feeder feeder = new Feeder();
        byte[] wire = Feeder.concat(requests.stream().map(r -> ascii(r.wire())).toList());
        MemcacheRequestParser parser = new MemcacheRequestParser();
        Feeder.Result result = feeder.feed(chunks(wire, seed), cumulation, parser::parse, MemcacheRequestParserTest::describe);
        assertThat(result.messages()).containsExactlyElementsOf(requests.stream().map(Generated::description).toList());
        assertThat(result.leftOver()).isEmpty();
        feeder.assertAllReleased();
    }

    /** Words and bytes from which garbage that looks like the protocol is assembled. */
    @Provide
    Arbitrary<byte[]> protocolishGarbage() {
        Arbitrary<String> word = Arbitraries.of("get", "gets", "set", "add", "cas", "delete", "incr", "touch", "version",
                "quit", "noreply", "0", "1", "3", "-1", "10", "99999999999", "k", "key", " ", " ", "  ", "\r\n", "\r\n",
                "\n", "\r", "\u0000", "\u0080", "END", "VALUE", "x");
        Arbitrary<String> anyChar = Arbitraries.chars().range('\u0000', '\u00ff').map(String::valueOf);
        return Arbitraries.frequencyOf(Tuple.of(6, word), Tuple.of(1, anyChar)).list().ofMaxSize(60)
                .map(words -> ascii(String.join("", words)));
    }

    @Property(tries = 400)
    void requestParserNeverThrowsLeaksOrDependsOnHowBytesArrive(@ForAll("protocolishGarbage") byte[] input,
            @ForAll long seed, @ForAll Cumulation cumulation) {
        assertRequestParsingIsRobust(input, seed, cumulation);
    }

    @Property(tries = 200)
    void requestParserSurvivesUniformlyRandomBytes(@ForAll @Size(max = 300) byte[] input, @ForAll long seed,
            @ForAll Cumulation cumulation) {
        assertRequestParsingIsRobust(input, seed, cumulation);
    }

    @Property(tries = 400)
    void requestParserSurvivesMutatedRequests(@ForAll @Size(min = 1, max = 6) List<@From("requests") Generated> requests,
            @ForAll("mutations") List<Mutation> mutations, @ForAll long seed, @ForAll Cumulation cumulation) {
        byte[] wire = Feeder.concat(requests.stream().map(r -> ascii(r.wire())).toList());
        assertRequestParsingIsRobust(mutate(wire, mutations), seed, cumulation);
    }

    private static void assertRequestParsingIsRobust(byte[] input, long seed, Cumulation cumulation) {
        Feeder feeder = new Feeder();
        Feeder.Result whole = parseRequests(feeder, List.of(input), Cumulation.IN_PLACE_HEAP);
        Feeder.Result chunked = parseRequests(feeder, chunks(input, seed), cumulation);
        assertThat(chunked).isEqualTo(whole);
        feeder.assertAllReleased();
    }

    /** Replace, insert, delete, duplicate: at a position given as a fraction of the input. */
    record Mutation(int kind, double where, byte value, int length) {}

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Byte> value = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of((byte) ' ', (byte) '\r', (byte) '\n', (byte) '0', (byte) '9', (byte) 0)),
                Tuple.of(1, Arbitraries.bytes()));
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.doubles().between(0, 1), value,
                Arbitraries.integers().between(1, 20)).as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }

    private static byte[] mutate(byte[] input, List<Mutation> mutations) {
        byte[] bytes = input;
        for (Mutation m : mutations) {
            int at = (int) (m.where() * bytes.length);
            int clamped = Math.min(at, Math.max(0, bytes.length - 1));
            switch (m.kind()) {
                case 0 -> {
                    if (bytes.length > 0) {
                        bytes = bytes.clone();
                        bytes[clamped] = m.value();
                    }
                }
                case 1 -> {
                    byte[] next = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, next, 0, at);
                    next[at] = m.value();
                    System.arraycopy(bytes, at, next, at + 1, bytes.length - at);
                    bytes = next;
                }
                case 2 -> {
                    int end = Math.min(bytes.length, at + m.length());
                    byte[] next = new byte[bytes.length - (end - at)];
                    System.arraycopy(bytes, 0, next, 0, at);
                    System.arraycopy(bytes, end, next, at, bytes.length - end);
                    bytes = next;
                }
                default -> {
                    int end = Math.min(bytes.length, at + m.length());
                    byte[] next = new byte[bytes.length + (end - at)];
                    System.arraycopy(bytes, 0, next, 0, end);
                    System.arraycopy(bytes, at, next, end, bytes.length - at);
                    bytes = next;
                }
            }
        }
        return bytes;
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<MemcacheCommand, String>>> replies() {
        Arbitrary<String> key = Arbitraries.strings().withChars("abk:").ofMinLength(1).ofMaxLength(8);
        Arbitrary<String> data = Arbitraries.strings().withChars("ab\r\n").ofMaxLength(20);
        Arbitrary<String> value = Combinators.combine(key, Arbitraries.integers().between(0, 99), data, Arbitraries.of("", " 42"))
                .as((k, flags, d, cas) -> "VALUE " + k + " " + flags + " " + d.length() + cas + "\r\n" + d + "\r\n");
        Arbitrary<Tuple.Tuple2<MemcacheCommand, String>> get = Combinators.combine(
                Arbitraries.of(MemcacheCommand.GET, MemcacheCommand.GETS), value.list().ofMaxSize(3))
                .as((cmd, values) -> Tuple.of(cmd, String.join("", values) + "END\r\n"));
        Arbitrary<Tuple.Tuple2<MemcacheCommand, String>> oneLine = Arbitraries.of(
                Tuple.of(MemcacheCommand.SET, "STORED\r\n"), Tuple.of(MemcacheCommand.CAS, "EXISTS\r\n"),
                Tuple.of(MemcacheCommand.DELETE, "DELETED\r\n"), Tuple.of(MemcacheCommand.INCR, "42\r\n"),
                Tuple.of(MemcacheCommand.TOUCH, "TOUCHED\r\n"), Tuple.of(MemcacheCommand.VERSION, "VERSION 1.6\r\n"),
                Tuple.of(MemcacheCommand.ADD, "SERVER_ERROR out of memory\r\n"), Tuple.of(MemcacheCommand.GET, "ERROR\r\n"));
        return Arbitraries.frequencyOf(Tuple.of(1, get), Tuple.of(1, oneLine)).list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 400)
    void replyParserRaisesOnlyProtocolExceptionsLeaksNothingAndIgnoresChunking(
            @ForAll("replies") List<Tuple.Tuple2<MemcacheCommand, String>> replies,
            @ForAll("mutations") List<Mutation> mutations, @ForAll boolean mutated, @ForAll long seed,
            @ForAll Cumulation cumulation) {
        byte[] wire = ascii(String.join("", replies.stream().map(Tuple.Tuple2::get2).toList()));
        byte[] input = mutated ? mutate(wire, mutations) : wire;
        List<MemcacheCommand> commands = replies.stream().map(Tuple.Tuple2::get1).toList();
        Feeder feeder = new Feeder();
        List<String> whole = parseReplies(feeder, commands, List.of(input), Cumulation.IN_PLACE_HEAP);
        List<String> chunked = parseReplies(feeder, commands, chunks(input, seed), cumulation);
        assertThat(chunked).isEqualTo(whole);
        if (!mutated) {
            assertThat(whole).containsExactlyElementsOf(
                    replies.stream().map(r -> MemcacheRequestParserTest.escape(r.get2())).toList());
        }
        feeder.assertAllReleased();
    }

    /** The replies read, then "!" if the parser gave up; anything but a MemcacheProtocolException fails. */
    private static List<String> parseReplies(Feeder feeder, List<MemcacheCommand> commands, List<byte[]> chunks,
            Cumulation cumulation) {
        MemcacheReplyParser parser = new MemcacheReplyParser(256);
        List<String> seen = new ArrayList<>();
        int[] next = {0};
        try {
            feeder.feed(chunks, cumulation, in -> {
                if (next[0] == commands.size()) {
                    return null;
                }
                ByteBuf reply = parser.parse(in, commands.get(next[0]));
                if (reply != null) {
                    next[0]++;
                }
                return reply;
            }, reply -> {
                String text = MemcacheRequestParserTest.escape(Feeder.text(reply));
                seen.add(text);
                return text;
            });
        } catch (MemcacheProtocolException e) {
            seen.add("!");
        }
        return seen;
    }

    @Property(tries = 300)
    void mergeGivesEachHitInTheClientsKeyOrder(
            @ForAll @Size(min = 2, max = 30) List<@IntRange(min = 0, max = 11) Integer> keyIds,
            @ForAll @Size(12) List<@IntRange(min = 0, max = 3) Integer> serverOfId,
            @ForAll @Size(12) List<Boolean> hit) {
        Feeder feeder = new Feeder();
        StringBuilder line = new StringBuilder("gets");
        int[] servers = new int[keyIds.size()];
        for (int i = 0; i < keyIds.size(); i++) {
            line.append(' ').append("key").append(keyIds.get(i));
            servers[i] = serverOfId.get(keyIds.get(i));
        }
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii(line.append("\r\n").toString())));
        MemcacheRequest gets = new MemcacheRequestParser().parse(in);
        in.release();
        MemcacheMultiGet multiGet = MemcacheMultiGet.split(gets, servers, UnpooledByteBufAllocator.DEFAULT);
        gets.release();
        for (int f = 0; f < multiGet.fragmentCount(); f++) {
            MemcacheRequest fragment = feeder.track(multiGet.fragment(f));
            StringBuilder reply = new StringBuilder();
            for (int k = 0; k < fragment.keyCount(); k++) {
                reply.append(block(Feeder.text(fragment.key(k)), hit));
            }
            multiGet.onReply(f, feeder.track(Unpooled.copiedBuffer(ascii(reply.append("END\r\n").toString()))));
        }
        StringBuilder expected = new StringBuilder();
        for (int id : keyIds) {
            expected.append(block("key" + id, hit));
        }
        ByteBuf merged = feeder.track(multiGet.merge(UnpooledByteBufAllocator.DEFAULT));
        assertThat(Feeder.text(merged)).isEqualTo(expected.append("END\r\n").toString());
        merged.release();
        multiGet.release();
        feeder.assertAllReleased();
    }

    private static String block(String key, List<Boolean> hit) {
        int id = Integer.parseInt(key.substring(3));
        if (!hit.get(id)) {
            return "";
        }
        String data = "v" + id + "\r\n" + "x".repeat(id);
        return "VALUE " + key + " " + id + " " + data.length() + " " + (1000 + id) + "\r\n" + data + "\r\n";
    }

    @Property(tries = 100)
    void keyPositionsPointAtTheKeys(@ForAll @Size(min = 1, max = 20) List<@From("keys") String> keys) {
        Feeder feeder = new Feeder();
        String line = "get " + String.join("   ", keys) + "\r\n";
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii(line)));
        MemcacheRequest get = new MemcacheRequestParser().parse(in);
        byte[] copy = new byte[MemcacheRequest.KEY_MAX_LENGTH];
        assertThat(get.keyCount()).isEqualTo(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            int length = get.copyKey(i, copy, 0);
            assertThat(Arrays.copyOf(copy, length)).isEqualTo(ascii(keys.get(i)));
        }
        get.release();
        in.release();
        feeder.assertAllReleased();
    }
}
