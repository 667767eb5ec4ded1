package dev.nutjar.server.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class CumulateTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    private ByteBuf bytes(String text) {
        return alloc.directBuffer().writeBytes(text.getBytes(US_ASCII));
    }

    /** A read of {@code text} that starts {@code headroom} bytes into its buffer. */
    private ByteBuf readWithHeadroom(int headroom, String text) {
        ByteBuf read = alloc.directBuffer(headroom + 64).setIndex(headroom, headroom);
        return read.writeBytes(text.getBytes(US_ASCII));
    }

    @Test
    void withNothingCarriedTheReadIsTheInput() {
        ByteBuf in = bytes("+OK\r\n");

        assertThat(Cumulation.cumulate(alloc, null, in)).isSameAs(in);
        in.release();
    }

    @Test
    void aCutMessageIsPutInTheHeadroomInFrontOfTheNextRead() {
        ByteBuf carried = bytes("xx$5\r\nhel");
        carried.skipBytes(2);
        ByteBuf in = readWithHeadroom(16, "lo\r\n+OK\r\n");

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(all).isSameAs(in);
        assertThat(all.toString(US_ASCII)).isEqualTo("$5\r\nhello\r\n+OK\r\n");
        assertThat(carried.refCnt()).isZero();
        all.release();
    }

    @Test
    void moreThanTheHeadroomIsCopiedTheUsualWay() {
        ByteBuf carried = bytes("$5\r\nhel");
        ByteBuf in = readWithHeadroom(4, "lo\r\n");

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(all).isSameAs(carried);
        assertThat(all.toString(US_ASCII)).isEqualTo("$5\r\nhello\r\n");
        assertThat(in.refCnt()).isZero();
        all.release();
    }

    @Test
    void theHeadroomIsNotUsedWhileSomethingElseHoldsTheRead() {
        ByteBuf carried = bytes("$5\r\nhel");
        ByteBuf in = readWithHeadroom(16, "STREAMEDlo\r\n");
        // The front of the read went out as a retained slice (a streamed reply), still queued.
        ByteBuf streamed = in.readRetainedSlice(8);

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(streamed.toString(US_ASCII)).isEqualTo("STREAMED");
        assertThat(all.toString(US_ASCII)).isEqualTo("$5\r\nhello\r\n");
        streamed.release();
        all.release();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void aCumulationStillHeldByARequestIsNotWrittenTo() {
        ByteBuf carried = bytes("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI");
        carried.skipBytes(14);
        carried.retain(); // a request still holds the first 14 bytes
        ByteBuf in = bytes("NG\r\n");

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(all).isNotSameAs(carried);
        assertThat(all.toString(US_ASCII)).isEqualTo("*1\r\n$4\r\nPING\r\n");
        assertThat(carried.refCnt()).isEqualTo(1);
        assertThat(carried.toString(0, 14, US_ASCII)).isEqualTo("*1\r\n$4\r\nPING\r\n");
        carried.release();
        all.release();
    }

    /** A full read of {@code length} bytes of {@code fill}. */
    private ByteBuf fullRead(int length, char fill) {
        ByteBuf read = alloc.directBuffer(length, length);
        for (int i = 0; i < length; i++) {
            read.writeByte(fill);
        }
        return read;
    }

    @Test
    void beyondTheComposeLimitTheReadsArePartsOfACompositeNotCopies() {
        int half = Cumulation.COMPOSE_ABOVE / 2 + 1;
        ByteBuf first = fullRead(half, 'a');
        ByteBuf second = fullRead(half, 'b');
        ByteBuf third = fullRead(half, 'c');

        ByteBuf all = Cumulation.cumulate(alloc, Cumulation.cumulate(alloc, first, second), third);

        assertThat(all).isInstanceOf(CompositeByteBuf.class);
        assertThat(((CompositeByteBuf) all).numComponents()).isEqualTo(3);
        assertThat(all.readableBytes()).isEqualTo(3 * half);
        assertThat(all.getByte(half - 1)).isEqualTo((byte) 'a');
        assertThat(all.getByte(half)).isEqualTo((byte) 'b');
        assertThat(all.getByte(3 * half - 1)).isEqualTo((byte) 'c');
        all.release();
        assertThat(first.refCnt()).isZero();
        assertThat(third.refCnt()).isZero();
    }

    @Test
    void aCompositeARequestWasTakenFromIsNotAddedToItsRestStartsANewOne() {
        int half = Cumulation.COMPOSE_ABOVE / 2 + 1;
        ByteBuf composite = Cumulation.cumulate(alloc, fullRead(half, 'a'), fullRead(half, 'b'));
        ByteBuf request = composite.readRetainedSlice(half + 10); // a request, still queued

        ByteBuf all = Cumulation.cumulate(alloc, composite, fullRead(half, 'c'));

        assertThat(all).isNotSameAs(composite);
        assertThat(all.readableBytes()).isEqualTo(2 * half - 10);
        assertThat(all.getByte(all.readerIndex())).isEqualTo((byte) 'b');
        assertThat(request.getByte(half + 9)).isEqualTo((byte) 'b');
        request.release();
        assertThat(composite.refCnt()).as("released once the request is").isZero();
        all.release();
    }

    @Test
    void aShortReadIsCompactedBeforeItJoinsAComposite() {
        ByteBuf big = fullRead(Cumulation.COMPOSE_ABOVE, 'a');
        ByteBuf shortRead = alloc.directBuffer(65536).writeBytes("tail".getBytes(US_ASCII));

        ByteBuf all = Cumulation.cumulate(alloc, big, shortRead);

        assertThat(shortRead.refCnt()).isZero();
        assertThat(all.readableBytes()).isEqualTo(Cumulation.COMPOSE_ABOVE + 4);
        assertThat(all.toString(Cumulation.COMPOSE_ABOVE, 4, US_ASCII)).isEqualTo("tail");
        assertThat(all.capacity()).isLessThan(Cumulation.COMPOSE_ABOVE + 65536);
        all.release();
    }
}
