package dev.nutjar.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Feeds bytes to a parser the way a Netty cumulator does, in chunks, and checks that every buffer
 * it created is released at the end. Bytes are moved between chunks (discarded or copied into a
 * new buffer while slices are outstanding) so parsers must not rely on absolute indexes.
 */
final class Codec {

    static final List<ByteBufAllocator> ALLOCATORS = List.of(
            new UnpooledByteBufAllocator(false), new PooledByteBufAllocator(true));

    private Codec() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String string(ByteBuf buf) {
        return buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.ISO_8859_1);
    }

    static String string(ByteBuf buf, int index, int length) {
        return buf.toString(index, length, StandardCharsets.ISO_8859_1);
    }

    /** Chunk end positions: whole, byte by byte, and every split into two. */
    static List<int[]> splits(int length) {
        List<int[]> splits = new ArrayList<>();
        splits.add(new int[] {length});
        int[] byteByByte = new int[length];
        for (int i = 0; i < length; i++) {
            byteByByte[i] = i + 1;
        }
        splits.add(byteByByte);
        for (int i = 1; i < length; i++) {
            splits.add(new int[] {i, length});
        }
        return splits;
    }

    /** The outcome of feeding one input: what was parsed, the protocol error if any, bytes left (-1 after an error). */
    record Outcome<T>(List<T> outputs, String error, int leftover) {
    }

    /**
     * Feeds {@code input} in chunks ending at {@code chunkEnds}, calling {@code parse} until it
     * returns null after each chunk; stops at the first {@link RedisProtocolException}. Outputs are
     * turned into values by {@code snapshot} and released, immediately or (when {@code hold}) only
     * at the end. Asserts that every buffer created is released.
     */
    static <O, T> Outcome<T> feed(ByteBufAllocator alloc, byte[] input, int[] chunkEnds, boolean hold,
            Function<ByteBuf, O> parse, Function<O, T> snapshot, Releaser<O> releaser) {
        List<ByteBuf> created = new ArrayList<>();
        List<O> held = new ArrayList<>();
        List<T> outputs = new ArrayList<>();
        ByteBuf cumulation = alloc.buffer(16);
        created.add(cumulation);
        String error = null;
        int leftover;
        try {
            int from = 0;
            chunks:
            for (int end : chunkEnds) {
                if (cumulation.refCnt() > 1) {
                    // Slices are outstanding: grow into a new buffer, as Netty's MERGE_CUMULATOR does.
                    ByteBuf next = alloc.buffer(cumulation.readableBytes() + end - from);
                    created.add(next);
                    next.writeBytes(cumulation);
                    cumulation.release();
                    cumulation = next;
                } else {
                    cumulation.discardSomeReadBytes();
                }
                cumulation.writeBytes(input, from, end - from);
                from = end;
                while (true) {
                    int readerIndex = cumulation.readerIndex();
                    O output;
                    try {
                        output = parse.apply(cumulation);
                    } catch (RedisProtocolException e) {
                        assertThat(cumulation.readerIndex()).as("input untouched on error").isEqualTo(readerIndex);
                        error = e.getMessage();
                        break chunks;
                    }
                    if (output == null) {
                        // A request parser consumes blank lines, and only them, without a request.
                        assertThat(string(cumulation, readerIndex, cumulation.readerIndex() - readerIndex))
                                .as("input untouched when incomplete, but for blank lines").isBlank();
                        break;
                    }
                    if (hold) {
                        held.add(output);
                    } else {
                        outputs.add(snapshot.apply(output));
                        releaser.release(output);
                    }
                }
            }
            for (O output : held) {
                outputs.add(snapshot.apply(output));
            }
            // After an error the parser stopped early, at a point that depends on the chunks.
            leftover = error != null ? -1 : cumulation.readableBytes();
        } finally {
            for (O output : held) {
                releaser.release(output);
            }
            cumulation.release();
        }
        for (ByteBuf buf : created) {
            assertThat(buf.refCnt()).as("every buffer released").isZero();
        }
        return new Outcome<>(outputs, error, leftover);
    }

    interface Releaser<O> {
        void release(O output);
    }

    /** A request's content, captured before it is released. */
    record Parsed(String command, List<String> args, List<String> keys, String error, String frame) {

        static Parsed of(RedisRequest request) {
            ByteBuf frame = request.frame();
            List<String> args = new ArrayList<>();
            for (int i = 0; i < request.argCount(); i++) {
                args.add(string(frame, request.argOffset(i), request.argLength(i)));
            }
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < request.keyCount(); i++) {
                keys.add(string(frame, request.keyOffset(i), request.keyLength(i)));
            }
            String command = request.command() == null ? null : request.command().name();
            assertThat(request.refCnt()).isEqualTo(1);
            return new Parsed(command, args, keys, request.error(), string(frame, 0, frame.writerIndex()));
        }
    }

    /** Parses {@code input} with every split, allocator and holding mode; all must agree. */
    static Outcome<Parsed> requests(byte[] input, java.util.function.Supplier<RedisRequestParser> parsers) {
        Outcome<Parsed> first = null;
        for (ByteBufAllocator alloc : ALLOCATORS) {
            for (boolean hold : new boolean[] {false, true}) {
                for (int[] split : splits(input.length)) {
                    RedisRequestParser parser = parsers.get();
                    Outcome<Parsed> outcome = feed(alloc, input, split, hold, parser::parse, Parsed::of,
                            RedisRequest::release);
                    if (first == null) {
                        first = outcome;
                    } else {
                        assertThat(outcome).as("same outcome for chunks ending at %s", java.util.Arrays.toString(split))
                                .isEqualTo(first);
                    }
                }
            }
        }
        return first;
    }

    static Outcome<Parsed> requests(String input) {
        return requests(bytes(input), RedisRequestParser::new);
    }

    /** Parses replies with every split, allocator and holding mode; all must agree. */
    static Outcome<String> replies(byte[] input) {
        Outcome<String> first = null;
        for (ByteBufAllocator alloc : ALLOCATORS) {
            for (boolean hold : new boolean[] {false, true}) {
                for (int[] split : splits(input.length)) {
                    RedisReplyParser parser = new RedisReplyParser();
                    Outcome<String> outcome = feed(alloc, input, split, hold, parser::parse, Codec::string,
                            ByteBuf::release);
                    if (first == null) {
                        first = outcome;
                    } else {
                        assertThat(outcome).as("same outcome for chunks ending at %s", java.util.Arrays.toString(split))
                                .isEqualTo(first);
                    }
                }
            }
        }
        return first;
    }

    static Outcome<String> replies(String input) {
        return replies(bytes(input));
    }

    /** {@code *n\r\n} followed by each argument as a bulk string. */
    static String command(String... args) {
        StringBuilder out = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String arg : args) {
            out.append('$').append(bytes(arg).length).append("\r\n").append(arg).append("\r\n");
        }
        return out.toString();
    }
}
