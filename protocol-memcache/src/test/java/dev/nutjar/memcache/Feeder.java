package dev.nutjar.memcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.EmptyByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Feeds bytes to a parser the way a channel would: in chunks, into a cumulation buffer, parsing until
 * the parser asks for more. Every buffer it creates is tracked, so a test can assert that all were
 * released (refCnt 0) — a deterministic leak check on top of Netty's paranoid detector.
 */
final class Feeder {

    /** How the cumulation grows, as Netty's cumulators do it. */
    enum Cumulation {
        /** One large heap buffer written in place: the reader index only moves forward. */
        IN_PLACE_HEAP,
        /** A new direct buffer per chunk holding the unread bytes: indexes restart at 0 every time. */
        COPY_DIRECT,
        /** A composite of the chunks, as COMPOSITE_CUMULATOR does. */
        COMPOSITE
    }

    private final List<ReferenceCounted> created = new ArrayList<>();

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(ByteBuf buf) {
        return buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(List<byte[]> parts) {
        int length = parts.stream().mapToInt(p -> p.length).sum();
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Splits {@code input} into chunks ending at the given cut positions. */
    static List<byte[]> cut(byte[] input, int... cuts) {
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            chunks.add(Arrays.copyOfRange(input, from, cut));
            from = cut;
        }
        chunks.add(Arrays.copyOfRange(input, from, input.length));
        return chunks;
    }

    static List<byte[]> byteByByte(byte[] input) {
        List<byte[]> chunks = new ArrayList<>();
        for (byte b : input) {
            chunks.add(new byte[] {b});
        }
        return chunks;
    }

    /**
     * Feeds the chunks, calling {@code parseOne} until it returns null after each; describes and
     * releases every message; returns the descriptions and the bytes left unread at the end.
     */
    <T extends ReferenceCounted> Result feed(List<byte[]> chunks, Cumulation cumulation, Function<ByteBuf, T> parseOne,
            Function<T, String> describe) {
        List<String> messages = new ArrayList<>();
        int total = chunks.stream().mapToInt(c -> c.length).sum();
        ByteBuf cumulated = null;
        try {
            for (byte[] chunk : chunks) {
                cumulated = append(cumulated, chunk, cumulation, total);
                for (;;) {
                    int before = cumulated.readerIndex();
                    T message = parseOne.apply(cumulated);
                    if (message == null) {
                        break;
                    }
                    try {
                        messages.add(describe.apply(message));
                    } finally {
                        message.release();
                    }
                    assertThat(cumulated.readerIndex()).as("a message consumes bytes").isGreaterThanOrEqualTo(before);
                }
            }
            return new Result(messages, cumulated == null ? "" : text(cumulated));
        } finally {
            if (cumulated != null) {
                cumulated.release();
            }
        }
    }

    private ByteBuf append(ByteBuf cumulated, byte[] chunk, Cumulation cumulation, int total) {
        if (cumulated != null && cumulated.refCnt() == 1) {
            // As ByteToMessageDecoder does when no slice of the cumulation is still out: the reader
            // index moves back, and a parser's progress must survive it.
            if (cumulated instanceof CompositeByteBuf composite) {
                composite.discardReadComponents();
            } else {
                cumulated.discardSomeReadBytes();
            }
        }
        switch (cumulation) {
            case IN_PLACE_HEAP:
                if (cumulated == null) {
                    cumulated = track(Unpooled.buffer(total, total));
                }
                return cumulated.writeBytes(chunk);
            case COPY_DIRECT: {
                int unread = cumulated == null ? 0 : cumulated.readableBytes();
                ByteBuf next = track(Unpooled.directBuffer(unread + chunk.length));
                if (cumulated != null) {
                    next.writeBytes(cumulated);
                    cumulated.release();
                }
                return next.writeBytes(chunk);
            }
            case COMPOSITE: {
                CompositeByteBuf composite = cumulated == null
                        ? track(Unpooled.compositeBuffer(Integer.MAX_VALUE)) : (CompositeByteBuf) cumulated;
                composite.addComponent(true, track(Unpooled.wrappedBuffer(chunk.clone())));
                return composite;
            }
            default:
                throw new AssertionError(cumulation);
        }
    }

    <B extends ReferenceCounted> B track(B buffer) {
        if (buffer instanceof EmptyByteBuf) {
            return buffer; // a shared singleton: releasing it does nothing
        }
        created.add(buffer);
        return buffer;
    }

    /** Asserts that every buffer this feeder created has been released to 0. */
    void assertAllReleased() {
        for (ReferenceCounted buffer : created) {
            assertThat(buffer.refCnt()).as("refCnt of %s", buffer).isZero();
        }
        created.clear();
    }

    record Result(List<String> messages, String leftOver) {}
}
